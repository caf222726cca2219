"""While the database cannot be reached: every page answers 503 (never a 500 or a
traceback), the citizens' forms come back with everything typed, and the APIs answer
503 in their own format.

The database is really unreachable: the app's engine points at a PostgreSQL port where
nothing listens, so every connection is refused, either from the app's start
(``down_app``) or from one request to the next (``outage``). That needs the psycopg
driver only, not a PostgreSQL server, so these tests run on SQLite too.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from markupsafe import escape
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from portal.cases import services
from portal.cases.attachments import store_upload
from portal.cases.models import Case
from portal.cases.workflow import Role
from portal.db import CONNECT_TIMEOUT, make_engine
from tests.helpers import (
    form_tokens,
    hidden_fields,
    letter_data,
    login,
    make_staff,
    suggestion_data,
)
from tests.helpers.letters import png
from tests.helpers.pages import UNSAFE_METHODS, assert_chinese_error_page, sample_url

REFUSED = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"  # port 1: connection refused
KEPT_NOTICE = ("暂时无法提交，请稍后再试。", "您填写的内容已保留在本页，请不要关闭页面。")
HOTLINE = "12345 市民热线"
LEAKS = ("Traceback", "OperationalError", "sqlalchemy", "psycopg", "127.0.0.1", "port 1",
         "SELECT", ".py")
# What a citizen typed besides each form's own fields: markup, quotes and personal data.
TYPED = {
    "title": '路口<b>信号灯</b>"坏了" & 没人修',
    "name": "欧阳娜娜",
    "salutation": "女士",
    "phone": "13912345678",
    "email": "ouyang.nana@example.com",
    "consent_publish": "y",
    "consent_privacy": "y",
}
PERSONAL = ("欧阳娜娜", "13912345678", "ouyang.nana@example.com", "信号灯")


class Outage:
    """Makes an app's database refuse connections from its next request on, and back."""

    def __init__(self, app: Flask) -> None:
        self.factory = app.extensions["portal.db"]
        self.working = self.factory.kw["bind"]
        self.refused = make_engine(REFUSED)

    def begin(self) -> None:
        self.factory.configure(bind=self.refused)

    def end(self) -> None:
        self.factory.configure(bind=self.working)


@pytest.fixture
def outage(app: Flask) -> Iterator[Outage]:
    outage = Outage(app)
    yield outage
    outage.end()
    outage.refused.dispose()


@pytest.fixture
def down_app(app: Flask, make_app: Any) -> Flask:
    """An app whose database refuses connections from the start. (``app`` is made first:
    the test factory empties the database of the first app it made.)"""
    return make_app(DATABASE_URL=REFUSED)


@pytest.fixture
def category(make_category: Any) -> Any:
    return make_category("城市管理")


@pytest.fixture(params=["letter", "suggestion", "campaign-suggestion"])
def citizen_form(request: pytest.FixtureRequest, category: Any, make_campaign: Any
                 ) -> tuple[str, dict[str, Any]]:
    """A citizen form's URL and what a citizen typed into it."""
    if request.param == "letter":
        return "/mailbox/new", letter_data(
            category.id, content="路口的信号灯坏了三天。\n<script>alert(1)</script>", **TYPED)
    url = "/suggestions/new"
    if request.param == "campaign-suggestion":
        url += f"?campaign={make_campaign().id}"
    return url, suggestion_data(category.id, benefit="出行更安全 <i>高效</i>", **TYPED)


def count_cases(session: Any) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(Case))


def files_under(app: Flask) -> list[Path]:
    return [p for p in Path(app.config["ATTACHMENT_DIR"]).rglob("*") if p.is_file()]


def input_tag(html: str, name: str, value: str | None = None) -> str:
    for tag in re.findall(r"<input[^>]*>", html):
        if f'name="{name}"' in tag and (value is None or f'value="{value}"' in tag):
            return tag
    raise AssertionError(f"no input {name}={value} in the page")


def assert_keeps(html: str, typed: dict[str, Any]) -> None:
    """Every value typed is in the re-rendered form, escaped, and every box still ticked."""
    for name, value in typed.items():
        if name in ("consent_publish", "consent_privacy"):
            assert "checked" in input_tag(html, name), name
        elif name in ("kind", "salutation"):
            assert "checked" in input_tag(html, name, value), name
        elif name == "category":
            assert re.search(rf'<option selected value="{value}">', html), name
        else:
            assert str(escape(value)) in html, name


def assert_503(response: Any) -> str:
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    for leak in LEAKS:
        assert leak not in html, leak
    return html


# --- the citizens' forms -------------------------------------------------------------------------

def test_a_form_posted_after_the_database_went_away_comes_back_with_everything_typed(
        app, client, session, citizen_form, outage, portal_log):
    url, typed = citizen_form
    tokens = form_tokens(client, url)  # opened while the database worked
    outage.begin()

    response = client.post(url, data={**tokens, **typed,
                                      "attachments": [(io.BytesIO(png()), "photo.png")]},
                           content_type="multipart/form-data")

    html = assert_503(response)
    for sentence in (*KEPT_NOTICE, HOTLINE, "附件无法保留，再次提交前请重新选择附件"):
        assert sentence in html
    assert_keeps(html, typed)
    assert "<script>alert(1)</script>" not in html and "<b>信号灯" not in html
    assert hidden_fields(html)["submission_token"] == tokens["submission_token"]
    assert response.headers["Cache-Control"] == "no-store"
    assert files_under(app) == []
    outage.end()
    assert count_cases(session) == 0
    assert any("database unavailable (OperationalError: " in line for line in portal_log)
    for value in PERSONAL:
        assert not any(value in line for line in portal_log), value


def test_the_kept_form_submits_once_when_the_database_is_back(client, session, category,
                                                              outage):
    letter = letter_data(category.id)
    tokens = form_tokens(client, "/mailbox/new")
    outage.begin()
    kept = client.post("/mailbox/new", data={**tokens, **letter})
    outage.end()

    resent = {**hidden_fields(kept.get_data(as_text=True)), **letter}
    first, second = (client.post("/mailbox/new", data=resent) for _ in range(2))

    assert (kept.status_code, first.status_code, second.status_code) == (503, 303, 303)
    assert count_cases(session) == 1


def test_files_written_before_the_database_went_away_are_removed(
        app, client, session, category, outage, monkeypatch):
    written: list[Path] = []

    def store_then_lose_the_database(db_session: Any, upload: Any) -> str:
        key = store_upload(db_session, upload)
        written.append(Path(app.config["ATTACHMENT_DIR"]) / key)
        assert written[-1].is_file()
        db_session.bind = outage.refused  # the flush that follows finds no database
        return key

    monkeypatch.setattr(services, "store_upload", store_then_lose_the_database)
    letter = letter_data(category.id, **TYPED)
    tokens = form_tokens(client, "/mailbox/new")

    response = client.post("/mailbox/new", data={
        **tokens, **letter, "attachments": [(io.BytesIO(png()), "a.png"),
                                            (io.BytesIO(png((10, 10))), "b.png")]},
        content_type="multipart/form-data")

    html = assert_503(response)
    assert KEPT_NOTICE[1] in html
    assert_keeps(html, letter)
    assert len(written) == 2  # both were on disk when the flush failed
    assert files_under(app) == []
    assert count_cases(session) == 0


@pytest.mark.parametrize("url", ["/mailbox/new", "/suggestions/new",
                                 "/suggestions/new?campaign=1"])
def test_a_form_opened_while_the_database_is_down_can_be_filled_in(down_app, url):
    response = down_app.test_client().get(url)

    html = assert_503(response)
    assert KEPT_NOTICE[0] in html and HOTLINE in html
    assert "您可以先填写，提交不成功时，填写的内容会保留在本页" in html
    assert KEPT_NOTICE[1] not in html  # nothing typed yet
    assert '<option selected value="">类别列表暂时无法显示，请稍后选择</option>' in html
    assert {"csrf_token", "submission_token"} <= set(hidden_fields(html))
    assert '<textarea' in html and 'name="content"' in html


def test_a_letter_to_an_app_whose_database_never_answered_is_kept_with_its_category(down_app):
    client = down_app.test_client()
    letter = letter_data(7, **TYPED)
    tokens = hidden_fields(client.get("/mailbox/new").get_data(as_text=True))

    html = assert_503(client.post("/mailbox/new", data={**tokens, **letter}))

    assert KEPT_NOTICE[1] in html
    assert_keeps(html, letter)
    assert '<option selected value="7">已选择（类别名称暂时无法显示）</option>' in html
    assert "附件无法保留" not in html  # none was attached


def test_a_form_kept_while_the_database_is_down_counts_once_against_the_post_limit(down_app):
    client = down_app.test_client()
    tokens = hidden_fields(client.get("/mailbox/new").get_data(as_text=True))

    statuses = {client.post("/mailbox/new", data={**tokens, **letter_data(1)}).status_code
                for _ in range(31)}  # any POST: 60 per hour, so 31 counted twice would be 62

    assert statuses == {503}


def test_an_expired_form_posted_while_the_database_is_down_gets_the_outage_notice(
        client, session, category, outage):
    letter = letter_data(category.id, **TYPED)
    tokens = form_tokens(client, "/mailbox/new")
    outage.begin()

    response = client.post("/mailbox/new", data={
        **letter, "submission_token": tokens["submission_token"]})  # no CSRF token

    html = assert_503(response)
    assert KEPT_NOTICE[1] in html and "安全校验已过期" not in html
    assert_keeps(html, letter)
    outage.end()
    assert count_cases(session) == 0


def test_a_tracking_lookup_while_the_database_is_down_keeps_the_code(client, outage):
    tokens = form_tokens(client, "/track")
    outage.begin()

    response = client.post("/track", data={**tokens, "phone_last4": "8000",
                                           "tracking_code": "MB-2026-7KQ4-XP9D-M2TW-A3F8"})

    html = assert_503(response)
    assert KEPT_NOTICE[0] in html
    assert 'value="MB-2026-7KQ4-XP9D-M2TW-A3F8"' in html and 'value="8000"' in html


# --- every other page, the APIs, the health check ------------------------------------------------

@pytest.mark.parametrize("url", ["/", "/wall", "/campaigns", "/campaigns/1", "/search?q=路灯"])
def test_pages_answer_the_chinese_503_page_while_the_database_is_down(down_app, url):
    response = down_app.test_client().get(url)

    html = assert_chinese_error_page(response, 503)
    assert_503(response)
    assert HOTLINE in html
    assert "<code>" in html  # the error number, as on the 500 page


def test_no_route_answers_500_while_the_database_is_down(down_app):
    client = down_app.test_client()
    csrf = hidden_fields(client.get("/track").get_data(as_text=True))["csrf_token"]
    form = {**letter_data(1), **suggestion_data(1), "csrf_token": csrf,
            "tracking_code": "MB-2026-0000-0000-0000-0000", "phone_last4": "8000",
            "submission_token": "a" * 32, "api_key": "k" * 32, "service_code": "1"}
    answered: dict[int, int] = {}

    for rule in down_app.url_map.iter_rules():
        if rule.endpoint in ("static", "site.healthz"):  # the health check has its own test
            continue
        for method in sorted((rule.methods or set()) & ({"GET"} | UNSAFE_METHODS)):
            url = sample_url(down_app, rule, {})
            response = client.open(url, method=method, data=form)
            assert response.status_code != 500, (method, url)
            if response.status_code == 503:
                assert_503(response)
            answered[response.status_code] = answered.get(response.status_code, 0) + 1

    assert answered[503] > 20  # most routes need the database


API_503 = [
    ("/api/wall.json", lambda r: r.get_json() == {"error": "service_unavailable",
                                                  "message": "服务暂时不可用"}),
    ("/api/wall.csv", lambda r: r.get_json()["error"] == "service_unavailable"),
    ("/open311/v2/services.json",
     lambda r: r.get_json() == [{"code": 503, "description": "服务暂时不可用，请稍后再试"}]),
    ("/open311/v2/requests.xml",
     lambda r: r.mimetype == "text/xml" and b"<code>503</code>" in r.data
     and "服务暂时不可用".encode() in r.data),
]


@pytest.mark.parametrize(("url", "in_own_format"), API_503, ids=[u for u, _ in API_503])
def test_the_apis_answer_503_in_their_own_format(down_app, url, in_own_format):
    response = down_app.test_client().get(url)

    assert_503(response)
    assert in_own_format(response)


def test_an_open311_submission_while_the_database_is_down_gets_503_in_json(down_app):
    response = down_app.test_client().post("/open311/v2/requests.json", data={
        "api_key": "k" * 32, "service_code": "1", "description": "路灯不亮",
        "email": "a@example.com"})

    assert_503(response)
    assert response.get_json()[0]["code"] == 503


def test_healthz_reports_the_unreachable_database_with_503(down_app):
    response = down_app.test_client().get("/healthz")

    assert response.status_code == 503
    body = response.get_json()
    assert (body["status"], body["database"], body["mail_queue"]) == ("degraded", "error", None)


# --- staff ---------------------------------------------------------------------------------------

def test_staff_pages_answer_503_when_the_database_goes_away_after_they_were_opened(
        app, client, session, category, outage):
    make_staff(session, "op", Role.OPERATOR)
    assert login(client, "op").status_code == 303
    tokens = form_tokens(client, "/staff/intake")
    outage.begin()

    posted = client.post("/staff/intake", data={**tokens, **letter_data(category.id),
                                                "channel": "hotline"})
    opened = client.get("/staff/queues/mine")

    for response in (posted, opened):
        html = assert_chinese_error_page(response, 503)
        assert_503(response)
        assert "退出" not in html  # the page needs no signed-in member to render
    outage.end()
    assert count_cases(session) == 0


# --- what counts as "unreachable" ----------------------------------------------------------------

def _error(kind: str) -> Exception:
    orig = Exception("server closed the connection unexpectedly")
    return {
        "operational": OperationalError("SELECT 1", {}, orig),
        "interface-invalidated": InterfaceError("SELECT 1", {}, orig,
                                                connection_invalidated=True),
        "pool-timeout": PoolTimeoutError("QueuePool limit reached, connection timed out"),
        "interface": InterfaceError("SELECT 1", {}, orig),
        "integrity": IntegrityError("INSERT", {}, orig),
    }[kind]


@pytest.mark.parametrize(("kind", "status"), [
    ("operational", 503), ("interface-invalidated", 503), ("pool-timeout", 503),
    ("interface", 500), ("integrity", 500)])
def test_only_errors_of_an_unreachable_database_answer_503(make_app, kind, status):
    app = make_app()

    def fail() -> Any:
        raise _error(kind)

    app.add_url_rule("/test-db-error", "test_db_error", fail)

    assert_chinese_error_page(app.test_client().get("/test-db-error"), status)


def test_the_outage_is_logged_with_the_drivers_reason_but_not_the_statement_or_its_values(
        app, portal_log):
    def fail() -> Any:
        raise OperationalError("INSERT INTO contacts (name, phone) VALUES (?, ?)",
                               ("欧阳娜娜", "13912345678"),
                               Exception("server closed the connection unexpectedly\n"
                                         "\tThis probably means the server terminated"))

    app.add_url_rule("/test-db-error", "test_db_error", fail)
    app.test_client().get("/test-db-error")

    assert len(portal_log) == 1
    assert portal_log[0].endswith(
        "database unavailable (Exception: server closed the connection unexpectedly)")
    for leak in ("欧阳娜娜", "13912345678", "INSERT", "contacts", "terminated"):
        assert leak not in portal_log[0]


def test_postgresql_connection_attempts_give_up_after_a_few_seconds():
    engine = make_engine(REFUSED)
    asked: dict[str, Any] = {}
    event.listen(engine, "do_connect", lambda _d, _r, _a, params: asked.update(params))

    with pytest.raises(OperationalError):
        engine.connect()

    assert asked["connect_timeout"] == CONNECT_TIMEOUT <= 10
    engine.dispose()
