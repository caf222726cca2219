"""No malformed request to Open311 or open data gets a server error, and none leaves a
case without its Open311 row (or a row without its case). Hostile values come from the
strategies of ``tests/test_hostile_input.py``; the app runs as in production
(``PROPAGATE_EXCEPTIONS=False``), each request from its own client address."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote_from_bytes

import pytest
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.cases.models import Case, CaseEvent, Contact
from portal.cases.workflow import Action, Channel
from portal.open311.models import Open311Request
from tests.helpers.hostile import (
    BOUNDARY_MODES,
    CONTENT_TYPES,
    examples,
    huge_bytes,
    multipart,
    odd_bytes,
    odd_text,
    urlencode,
    values_for,
)
from tests.helpers.open311 import request_form

FIELDS = ["api_key", "service_code", "description", "lat", "long", "address_string",
          "address_id", "email", "phone", "first_name", "last_name", "media_url",
          "jurisdiction_id", "attribute[facility]", "attribute[count]", "attribute[period][]",
          "attribute[seen_at]", "attribute[note]", "attribute[]", "attribute[x][y]",
          "attribute[\ud800]", "\x00", ""]
FILTERS = ["service_request_id", "service_code", "start_date", "end_date", "status",
           "page", "per_page", "year", "kind", "department"]


class Api:
    """The app under attack and a valid request form to spoil."""

    def __init__(self, app: Flask, session: Session, form: dict[str, Any]) -> None:
        self.client, self.session, self.form = app.test_client(), session, form
        self.addresses = (f"10.9.{i >> 8 & 255}.{i & 255}" for i in itertools.count(1))

    def __repr__(self) -> str:  # hypothesis prints it with every failing example
        return "Api()"

    def send(self, method: str, url: str, **kwargs: Any) -> Any:
        kwargs.setdefault("environ_base", {})["REMOTE_ADDR"] = next(self.addresses)
        response = self.client.open(url, method=method, **kwargs)
        assert response.status_code < 500, f"{response.status_code} for {method} {url[:200]!r}"
        self.assert_whole()
        return response

    def assert_whole(self) -> None:
        """Every Open311 case has its row, a way to reach the citizen and its submit event."""
        self.session.rollback()
        cases = self.session.scalar(select(func.count()).select_from(Case).where(
            Case.channel == Channel.OPEN311))
        rows = self.session.scalar(select(func.count()).select_from(Open311Request))
        reachable = self.session.scalar(select(func.count()).select_from(Contact).join(Case).where(
            Case.channel == Channel.OPEN311,
            Contact.phone.is_not(None) | Contact.email.is_not(None)))
        submitted = self.session.scalar(select(func.count()).select_from(CaseEvent).join(Case)
                                        .where(Case.channel == Channel.OPEN311,
                                               CaseEvent.action == Action.SUBMIT))
        assert cases == rows == reachable == submitted, (cases, rows, reachable, submitted)

    def pairs(self, changes: dict[str, list[bytes] | None]) -> list[tuple[bytes, bytes]]:
        fields: dict[str, list[bytes]] = {
            name: [v.encode() for v in (value if isinstance(value, list) else [value])]
            for name, value in self.form.items()}
        for name, values in changes.items():
            fields.pop(name, None)
            if values is not None:
                fields[name] = values
        return [(name.encode("utf-8", "surrogatepass"), value)
                for name, values in fields.items() for value in values]


@pytest.fixture
def api(make_app: Callable[..., Flask], session: Session, city: Any, api_key: str) -> Api:
    app = make_app(PROPAGATE_EXCEPTIONS=False)
    return Api(app, session, request_form(city, api_key))


def changes_of(api: Api) -> st.SearchStrategy[dict[str, Any]]:
    """Up to four fields changed; now and then one of them 100,000 characters long."""
    chosen = st.dictionaries(st.sampled_from(FIELDS), st.just(None), max_size=4)
    changes = chosen.flatmap(lambda names: st.fixed_dictionaries(
        {n: values_for(api.form.get(n) if isinstance(api.form.get(n), str) else None)
         for n in names}))
    huge = st.one_of(st.just({}), st.just({}),
                     st.builds(lambda n, v: {n: [v]}, st.sampled_from(FIELDS[:12]), huge_bytes))
    return st.builds(lambda a, b: {**a, **b}, changes, huge)


@examples(50)
@given(data=st.data())
def test_hostile_form_values_never_cause_a_server_error(api, data):
    changes = data.draw(changes_of(api), label="changes")
    raw = data.draw(st.booleans(), label="raw bytes")
    fmt = data.draw(st.sampled_from(["json", "xml"]), label="format")

    api.send("POST", f"/open311/v2/requests.{fmt}", data=urlencode(api.pairs(changes), raw),
             content_type="application/x-www-form-urlencoded")


@examples(25)
@given(data=st.data())
def test_hostile_multipart_bodies_never_cause_a_server_error(api, data):
    pairs = api.pairs(data.draw(changes_of(api), label="changes"))
    files = data.draw(st.sets(st.integers(0, len(pairs) - 1), max_size=3), label="as files")
    filename = data.draw(odd_bytes, label="filename")
    mode = data.draw(st.sampled_from(BOUNDARY_MODES), label="boundary")
    body, content_type = multipart(pairs, files, filename.replace(b'"', b""), mode)

    api.send("POST", "/open311/v2/requests.json", data=body, content_type=content_type)


@examples(25)
@given(content_type=st.sampled_from(CONTENT_TYPES),
       body=st.one_of(st.binary(max_size=2000), odd_bytes,
                      st.just(json.dumps({"api_key": "x", "service_code": "1"}).encode())))
def test_random_bytes_under_any_content_type_never_cause_a_server_error(api, content_type, body):
    api.send("POST", "/open311/v2/requests.xml", data=body, content_type=content_type)


@examples(40)
@given(args=st.dictionaries(st.sampled_from(FILTERS), st.one_of(odd_bytes, odd_text.map(
    lambda s: s.encode("utf-8", "surrogatepass"))), max_size=4),
       path=st.sampled_from(["/open311/v2/requests.json", "/open311/v2/requests.xml",
                             "/api/wall.json", "/api/wall.csv"]))
def test_any_query_string_gets_no_server_error(api, args, path):
    query = "&".join(f"{k}={quote_from_bytes(v, safe='')}" for k, v in args.items())
    api.send("GET", f"{path}?{query}")


@examples(30)
@given(segment=st.one_of(odd_bytes, odd_text.map(lambda s: s.encode("utf-8", "surrogatepass"))),
       rule=st.sampled_from(["requests", "tokens", "services"]),
       fmt=st.sampled_from(["json", "xml"]))
def test_any_id_in_the_path_gets_no_server_error(api, segment, rule, fmt):
    quoted = quote_from_bytes(segment, safe="")
    if quoted:
        api.send("GET", f"/open311/v2/{rule}/{quoted}.{fmt}")


NUL_URLS = ["/open311/v2/requests.json?{}=%00", "/open311/v2/requests.xml?{}=a%00b",
            "/api/wall.json?{}=%00", "/api/wall.csv?{}=%00"]


@pytest.mark.parametrize("url", NUL_URLS)
def test_a_nul_byte_in_any_parameter_gets_no_server_error(api, url):
    """PostgreSQL refuses NUL in text: it must never reach a query."""
    for name in FILTERS:
        api.send("GET", url.format(name))
    for rule in ("requests", "tokens", "services"):
        api.send("GET", f"/open311/v2/{rule}/%00.xml")
        api.send("GET", f"/open311/v2/{rule}/a%00.json")
