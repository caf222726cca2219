"""No malformed request gets a server error, and none leaves a half-written case.

Every citizen form (letter, suggestion, suggestion inside a campaign, tracking) is
sent hostile bodies: random bytes under every content type, multipart bodies with
broken boundaries, JSON, and field values with NUL bytes, lone surrogates, bidi
overrides, emoji, 100,000 characters, repeated fields and bytes that are not UTF-8;
with a valid CSRF token and without. The app runs as in production
(``PROPAGATE_EXCEPTIONS=False``), so a crash shows as the 500 page a citizen would see.
Each request comes from its own client address, so the per-client limits never hide
a crash behind a 429 (a 429 would be an acceptable answer anyway).
"""

from __future__ import annotations

import itertools
import json
import secrets
import unicodedata
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, quote_from_bytes

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.cases.models import Case, CaseEvent, Contact
from portal.cases.tracking import tracking_link_token
from portal.cases.workflow import Action
from tests.helpers import form_tokens, letter_data, post_form, suggestion_data
from tests.helpers.hostile import (
    BOUNDARY_MODES,
    CONTENT_TYPES,
    encode,
    examples,
    huge_bytes,
    multipart,
    odd_bytes,
    odd_text,
    urlencode,
    values_for,
)

# No shrinking: a crash is reported with the example that found it, and a failing
# run stays as quick as a passing one.


ENDPOINTS = ["letter", "suggestion", "campaign", "track"]
CONTACT = ["name", "salutation", "phone", "email", "consent_publish", "consent_privacy",
           "attachments", "website", "submission_token"]
FIELDS = {
    "letter": ["kind", "category", "title", "content", "location", *CONTACT],
    "suggestion": ["category", "title", "content", "proposal", "benefit", *CONTACT],
    "campaign": ["category", "title", "content", "proposal", "benefit", *CONTACT],
    "track": ["tracking_code", "phone_last4"],
}
# Names no form has, or that collide with the CSRF field.
ODD_NAMES = ["csrf_token", "", "title[]", "x\x00y", "标题", "\ud800"]


# --- the site under attack ------------------------------------------------------------------

class Site:
    """The app under attack, a client with a CSRF token, and valid data for every form."""

    def __init__(self, app: Flask, client: FlaskClient, session: Session,
                 urls: dict[str, str], base: dict[str, dict[str, str]], csrf: str) -> None:
        self.app, self.client, self.session = app, client, session
        self.urls, self.base, self.csrf = urls, base, csrf
        self.addresses = (f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}"
                          for i in itertools.count(1))

    def __repr__(self) -> str:  # hypothesis prints it with every failing example
        return "Site()"

    def send(self, method: str, url: str, **kwargs: Any) -> Any:
        """One request from a new client address (so no rate limit hides a crash)."""
        kwargs.setdefault("environ_base", {})["REMOTE_ADDR"] = next(self.addresses)
        return self.client.open(url, method=method, **kwargs)

    def count(self, model: Any) -> int:
        self.session.rollback()
        return self.session.scalar(select(func.count()).select_from(model))

    def check(self, method: str, url: str, expect: tuple[int, ...] = (),
              redirect_to: str | None = None, **kwargs: Any) -> list[str]:
        """Send, and list what went wrong: a server error, an unexpected status, a case
        stored without a 303, or a half-written case."""
        before = self.count(Case)
        response = self.send(method, url, **kwargs)
        status = response.status_code
        described = f"{status} for {method} {url[:120]!r} ({kwargs.get('content_type')!r})"
        problems = []
        if status >= 500:
            problems.append(f"server error: {described}")
        elif expect and status not in expect:
            problems.append(f"expected {expect}: {described}")
        elif redirect_to and status in (301, 302, 303):
            location = response.headers.get("Location", "")
            if not location.endswith(redirect_to):
                problems.append(f"redirected to {location!r}: {described}")
        if status != 303 and self.count(Case) != before:
            problems.append(f"case stored: {described}")
        problems += half_written_cases(self.session)
        return problems

    def attack(self, method: str, url: str, **kwargs: Any) -> None:
        assert_none(self.check(method, url, **kwargs))


def assert_none(problems: list[str]) -> None:
    assert not problems, "\n".join(problems)


def half_written_cases(session: Session) -> list[str]:
    """Every case must have its contact (with a phone) and its submit event."""
    session.rollback()
    no_contact = select(func.count()).select_from(Case).where(
        ~select(Contact.id).where(Contact.case_id == Case.id, Contact.phone.is_not(None))
        .exists())
    no_event = select(func.count()).select_from(Case).where(
        ~select(CaseEvent.id).where(CaseEvent.case_id == Case.id,
                                    CaseEvent.action == Action.SUBMIT).exists())
    cases = session.scalar(select(func.count()).select_from(Case))
    contacts = session.scalar(select(func.count()).select_from(Contact))
    # One submission each; a copy from another address is also held (A30), a second event.
    submits = session.scalar(select(func.count()).select_from(CaseEvent)
                             .where(CaseEvent.action == Action.SUBMIT))
    problems = []
    if session.scalar(no_contact) or contacts != cases:
        problems.append(f"half-written: {cases} cases, {contacts} contacts")
    if session.scalar(no_event) or submits != cases:
        problems.append(f"half-written: {cases} cases, {submits} submit events")
    return problems


@pytest.fixture
def site(make_app: Callable[..., Flask], session: Session, make_category: Any,
         make_campaign: Any) -> Site:
    app = make_app(PROPAGATE_EXCEPTIONS=False, SUBMIT_RATE_LIMIT="100000 per hour",
                   TRACK_RATE_LIMIT="100000 per hour")
    client = app.test_client()
    category = make_category("城市管理")
    campaign = make_campaign()
    assert post_form(client, "/mailbox/new", letter_data(category.id)).status_code == 303
    session.rollback()
    code = session.scalars(select(Case.tracking_code)).one()
    urls = {"letter": "/mailbox/new", "suggestion": "/suggestions/new",
            "campaign": f"/suggestions/new?campaign={campaign.id}", "track": "/track"}
    base = {
        "letter": letter_data(category.id),
        "suggestion": suggestion_data(category.id),
        "campaign": suggestion_data(category.id),
        "track": {"tracking_code": code.lower(), "phone_last4": "8000"},
    }
    csrf = form_tokens(client, urls["letter"])["csrf_token"]
    return Site(app, client, session, urls, base, csrf)


# --- hostile values ---------------------------------------------------------------------------


def overrides(endpoint: str, base: dict[str, str]) -> st.SearchStrategy[dict[str, Any]]:
    """Up to four fields changed; now and then one of them 100,000 characters long."""
    names = FIELDS[endpoint] + ODD_NAMES
    changes = st.dictionaries(st.sampled_from(names), st.just(None), max_size=4).flatmap(
        lambda chosen: st.fixed_dictionaries(
            {name: values_for(base.get(name)) for name in chosen}))
    huge = st.one_of(st.just({}), st.just({}), st.just({}),
                     st.builds(lambda name, value: {name: [value]},
                               st.sampled_from(FIELDS[endpoint]), huge_bytes))
    return st.builds(lambda a, b: {**a, **b}, changes, huge)


def form_pairs(site: Site, endpoint: str, changes: dict[str, Any], csrf: str
               ) -> list[tuple[bytes, bytes]]:
    """The valid form of ``endpoint`` with ``changes`` applied, as (name, value) byte pairs."""
    fields: dict[str, list[bytes]] = {
        name: [value.encode()] for name, value in site.base[endpoint].items()}
    fields["submission_token"] = [secrets.token_urlsafe(24).encode()]
    if csrf == "valid":
        fields["csrf_token"] = [site.csrf.encode()]
    elif csrf == "forged":
        fields["csrf_token"] = [site.csrf[:-4].encode() + b"AAAA"]
    for name, values in changes.items():
        fields.pop(name, None)
        if values is not None:
            fields[name] = values
    return [(encode(name, "utf-8"), value) for name, values in fields.items()
            for value in values]


CSRF_MODES = ["valid", "missing", "forged"]


# --- form bodies with hostile field values ---------------------------------------------------

@examples(60)
@given(data=st.data())
def test_hostile_field_values_in_a_urlencoded_form_never_cause_a_server_error(site, data):
    endpoint = data.draw(st.sampled_from(ENDPOINTS), label="endpoint")
    changes = data.draw(overrides(endpoint, site.base[endpoint]), label="changes")
    csrf = data.draw(st.sampled_from(CSRF_MODES), label="csrf")
    raw = data.draw(st.booleans(), label="raw bytes")
    body = urlencode(form_pairs(site, endpoint, changes, csrf), raw)

    site.attack("POST", site.urls[endpoint], data=body,
                content_type="application/x-www-form-urlencoded")


def test_a_valid_form_with_odd_text_in_every_field_is_stored_whole(site):
    """The deep path: hostile characters that survive validation reach the database."""
    odd = "\x00\u202e\ud800😀👨\u200d👩\u200d👧\r\n\ufeff"
    for endpoint in ("letter", "suggestion", "campaign"):
        changes = {name: [encode(value + odd, "utf-8")] for name, value
                   in site.base[endpoint].items() if name in ("title", "content", "proposal",
                                                               "benefit", "location", "name")}
        body = urlencode(form_pairs(site, endpoint, changes, "valid"), raw=False)
        site.attack("POST", site.urls[endpoint], expect=(303,), data=body,
                    content_type="application/x-www-form-urlencoded")
    assert site.count(Case) == 4  # the one the fixture made, and these three
    for case in site.session.scalars(select(Case)).all()[1:]:
        for text in (case.title, case.content, case.proposal or case.contact.name):
            assert "😀👨\u200d👩\u200d👧" in text
            hidden = [c for c in text if unicodedata.category(c) in ("Cc", "Cs")
                      and c != "\n" or c in "\u202e\ufeff"]
            assert hidden == [], (case.id, text)


@examples(50)
@given(data=st.data())
def test_hostile_multipart_bodies_never_cause_a_server_error(site, data):
    endpoint = data.draw(st.sampled_from(ENDPOINTS), label="endpoint")
    changes = data.draw(overrides(endpoint, site.base[endpoint]), label="changes")
    csrf = data.draw(st.sampled_from(CSRF_MODES), label="csrf")
    pairs = form_pairs(site, endpoint, changes, csrf)
    # Any field may arrive as a file upload, with any file name.
    files = data.draw(st.sets(st.integers(0, len(pairs) - 1), max_size=3), label="as files")
    filename = data.draw(odd_bytes, label="filename")
    mode = data.draw(st.sampled_from(BOUNDARY_MODES), label="boundary")
    body, content_type = multipart(pairs, files, filename.replace(b'"', b""), mode)

    site.attack("POST", site.urls[endpoint], data=body, content_type=content_type)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_file_upload_in_a_text_field_is_refused_without_a_server_error(site, endpoint):
    name = "tracking_code" if endpoint == "track" else "title"
    pairs = form_pairs(site, endpoint, {}, "valid")
    files = {i for i, (n, _) in enumerate(pairs) if n == name.encode()}
    body, content_type = multipart(pairs, files, b"a.txt", "ok")

    site.attack("POST", site.urls[endpoint], expect=(200, 400), data=body,
                content_type=content_type)


@examples(50)
@given(endpoint=st.sampled_from(ENDPOINTS), content_type=st.sampled_from(CONTENT_TYPES),
       body=st.one_of(st.binary(max_size=3000), odd_bytes),
       csrf=st.sampled_from(["header", "prefixed", "none"]))
def test_random_bytes_under_any_content_type_never_cause_a_server_error(
        site, endpoint, content_type, body, csrf):
    headers = {"X-CSRFToken": site.csrf} if csrf == "header" else {}
    if csrf == "prefixed":
        body = b"csrf_token=" + site.csrf.encode() + b"&" + body

    site.attack("POST", site.urls[endpoint], data=body, content_type=content_type,
                headers=headers)


# --- JSON instead of a form ---------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | odd_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(odd_text, inner, max_size=3),
    max_leaves=6,
)


@examples(50)
@given(data=st.data())
def test_json_bodies_never_cause_a_server_error(site, data):
    endpoint = data.draw(st.sampled_from(ENDPOINTS), label="endpoint")
    names = FIELDS[endpoint] + ODD_NAMES
    document = data.draw(st.one_of(
        st.dictionaries(st.sampled_from(names), json_values, max_size=4).map(
            lambda changes: {**site.base[endpoint], **changes}),
        json_values,
    ), label="document")
    csrf = data.draw(st.sampled_from(["header", "in document", "none"]), label="csrf")
    headers = {"X-CSRFToken": site.csrf} if csrf == "header" else {}
    if csrf == "in document" and isinstance(document, dict):
        document = {**document, "csrf_token": site.csrf}
    body = json.dumps(document, ensure_ascii=False).encode("utf-8", "surrogatepass")

    site.attack("POST", site.urls[endpoint], data=body, content_type="application/json",
                headers=headers)


# Shapes the property above finds; kept as plain examples so a regression names itself.
JSON_DOCUMENTS = [
    pytest.param({"title": 12345678}, id="number-for-a-text-field"),
    pytest.param({"phone": 13800138000}, id="number-for-the-phone"),
    pytest.param({"tracking_code": ["MB-2026"], "phone_last4": 8000}, id="list-and-number"),
    pytest.param({"content": {"nested": True}}, id="object-for-a-text-field"),
    pytest.param([1, 2, 3], id="a-list"),
    pytest.param("写信", id="a-string"),
    pytest.param(b'{"title": ', id="not-json"),
]


@pytest.mark.parametrize("document", JSON_DOCUMENTS)
def test_json_of_the_wrong_shape_is_refused_without_a_server_error(site, document):
    problems = []
    for endpoint in ENDPOINTS:
        body = document
        if isinstance(document, dict):
            body = {**site.base[endpoint], **document}
        if not isinstance(body, bytes):
            body = json.dumps(body)
        for headers in ({"X-CSRFToken": site.csrf}, {}):
            problems += site.check("POST", site.urls[endpoint], expect=(200, 400, 415, 422),
                                   data=body, content_type="application/json", headers=headers)
    assert_none(problems)


# --- odd query strings, methods and paths -------------------------------------------------------

ODD_CAMPAIGN_IDS = ["abc", "-1", "0", "99999999999999999999", "-99999999999999999999",
                    "9223372036854775808", "1e3", "0x10", "1.5", "%00", "%ED%A0%80", "+",
                    "NaN"]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_campaign_id_that_is_no_campaign_gets_404_and_stores_nothing(site, method):
    data = {**site.base["campaign"], "csrf_token": site.csrf}
    problems = []
    for value in ODD_CAMPAIGN_IDS:
        data["submission_token"] = secrets.token_urlsafe(24)
        problems += site.check(method, f"/suggestions/new?campaign={value}", expect=(404,),
                               data=data if method == "POST" else None)
    assert_none(problems)


@examples(30)
@given(query=odd_bytes, method=st.sampled_from(["GET", "POST"]))
def test_any_query_string_on_the_suggestion_form_gets_no_server_error(site, query, method):
    site.attack(method, "/suggestions/new?campaign=" + quote_from_bytes(query, safe=""),
                data={**site.base["campaign"], "csrf_token": site.csrf})


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_refused_with_405_and_store_nothing(site, method):
    problems = []
    for url in [*site.urls.values(), "/track/sometoken", "/submitted", "/",
                "/open311/v2/requests.json", "/open311/v2/requests.xml", "/api/wall.json"]:
        for headers in ({"X-CSRFToken": site.csrf}, {}):
            problems += site.check(method, url, expect=(405,), headers=headers,
                                   data={**site.base["letter"], "csrf_token": site.csrf})
    assert_none(problems)


ODD_PATHS = [
    # (path, statuses that are right)
    ("/track/" + "A" * 20_000, (302,)),
    ("/track/%00", (302,)),
    ("/track/%00." + "A" * 40, (302,)),
    ("/track/%ED%A0%80", (302,)),
    ("/track/%FF%FE%FD", (302,)),
    ("/track/eyJhbGciOiJub25lIn0.e30.", (302,)),
    ("/track/" + quote("受理编号\u202e"), (302,)),
    ("/track/..%2F..%2Fconfig.py", (302, 404)),
    ("/mailbox/new%00", (404,)),
    ("/mailbox/new/" + "x" * 5_000, (404,)),
    ("/%00", (404,)),
    ("/" + "a" * 100_000, (404,)),
    ("/" + "%2F" * 5_000, (200, 404)),
    ("/campaigns/99999999999999999999", (404,)),
    ("/campaigns/9223372036854775808", (404,)),
    ("/campaigns/-1", (404,)),
    ("/campaigns/%00", (404,)),
    ("/static/%00", (404,)),
    ("/static/..%2F..%2Fconfig.py", (404,)),
    ("/open311/v2/requests/%00.json", (404,)),
    ("/open311/v2/requests/" + "9" * 30 + ".xml", (404,)),
    ("/open311/v2/requests/%ED%A0%80.json", (404,)),
    ("/open311/v2/tokens/" + "A" * 20_000 + ".json", (404,)),
    ("/open311/v2/services/..%2F..%2Fconfig.py.xml", (404,)),
    ("/open311/v2/requests.json?start_date=%00&end_date=%FF", (400,)),
    ("/open311/v2/requests.xml?service_request_id=" + ",".join(map(str, range(1, 1_500))),
     (400,)),
    ("/open311/v2/requests.yaml", (404,)),
    ("/api/wall.json?page=99999999999999999999&per_page=-1&year=0000", (200,)),
    ("/api/wall.csv?year=9999&kind=%00", (200,)),
]


def test_odd_paths_get_no_server_error(site):
    problems = []
    for path, statuses in ODD_PATHS:
        problems += site.check("GET", path, expect=statuses, redirect_to="/track")
    assert_none(problems)


@examples(30)
@given(token=st.one_of(odd_text, odd_bytes))
def test_a_garbage_tracking_link_sends_the_citizen_to_the_tracking_form(site, token):
    if isinstance(token, str):
        token = encode(token, "utf-8")
    quoted = quote_from_bytes(token, safe="")
    if not quoted:
        return  # "/track/" is another page
    # 404 when the token holds a "/": the path is then no tracking link at all; 308 when it
    # starts with one: the router merges the doubled slash and redirects to that path.
    site.attack("GET", "/track/" + quoted, expect=(302, 308, 404), redirect_to="/track")


SIGNED_PAYLOADS = [5, None, True, 1e308, [], ["MB-2026-0000-0000-0000-0000"], {"code": "x"},
                   "", "\x00", "MB-2026-0000-0000-0000-0000", "x" * 5_000]


def test_a_correctly_signed_link_to_no_case_sends_the_citizen_to_the_tracking_form(site):
    problems = []
    for payload in SIGNED_PAYLOADS:
        with site.app.test_request_context():
            token = tracking_link_token(payload)
        problems += site.check("GET", f"/track/{token}", expect=(302,), redirect_to="/track")
    assert_none(problems)
