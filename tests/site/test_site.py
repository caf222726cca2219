"""The site around the forms: home, privacy, health check, error pages, security headers,
CSRF on every state-changing route, safe GETs, configuration and one-line logs."""

from __future__ import annotations

import io
import logging
import os
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from flask import abort, current_app, request
from sqlalchemy import func, select

from config import Config, ProductionConfig, load_config
from portal import create_app
from portal.cases.models import Case
from portal.cases.tracking import tracking_link_token
from portal.db import Base, db, utcnow
from portal.logs import OneLineFormatter
from portal.notify.models import OutboundMail
from tests.helpers import form_tokens, letter_data, post_form, suggestion_data
from tests.helpers.pages import (
    ERROR_TITLES,
    UNSAFE_METHODS,
    assert_chinese_error_page,
    assert_security_headers,
    sample_url,
)

API_KEY_ENDPOINTS = {"open311.create_request"}


def snapshot(session: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to prove that nothing changed."""
    session.rollback()
    return {
        table.name: [tuple(r) for r in session.execute(
            select(table).order_by(*table.primary_key.columns)).all()]
        for table in Base.metadata.sorted_tables
    }



# --- home and privacy ----------------------------------------------------------------------------

def test_home_page_in_chinese_lists_the_ways_in_and_the_open_campaigns(
        client, make_campaign):
    open_one = make_campaign(title="口袋公园建设金点子征集")
    make_campaign(opens_in_days=5, closes_in_days=20, title="即将开始的停车难征集")
    make_campaign(opens_in_days=-40, closes_in_days=-1, title="已经结束的背街小巷征集")

    response = client.get("/")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="zh-CN">' in html
    for way, url in (("写信给市长", "/mailbox/new"), ("人民建议征集", "/suggestions/new"),
                     ("12345 热线", None), ("办理查询", "/track")):
        assert way in html
        if url:
            assert f'href="{url}"' in html
    assert "口袋公园建设金点子征集" in html
    assert f'href="/campaigns/{open_one.id}"' in html
    assert "即将开始的停车难征集" not in html
    assert "已经结束的背街小巷征集" not in html
    assert "目前没有正在进行的专项征集" not in html


def test_home_page_without_open_campaigns_says_so(client, make_campaign):
    make_campaign(opens_in_days=-40, closes_in_days=-1, title="已经结束的背街小巷征集")

    html = client.get("/").get_data(as_text=True)

    assert "目前没有正在进行的专项征集" in html
    assert "已经结束的背街小巷征集" not in html


def test_privacy_notice_is_served_in_chinese(client):
    response = client.get("/privacy")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "个人信息保护说明" in html
    assert "个人信息保护法" in html
    assert '<html lang="zh-CN">' in html


# --- health check ------------------------------------------------------------------------------

def test_healthz_reports_database_mail_queue_and_search_index(client, session):
    now = utcnow()
    session.add_all([
        OutboundMail(recipient=f"r{i}@example.com", subject="s", body_text="b",
                     template="submission_received", sent_at=now if i == 0 else None)
        for i in range(3)
    ])
    session.commit()

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.is_json
    assert response.get_json() == {"status": "ok", "database": "ok", "mail_queue": 2,
                                   "mail_failed": 0, "search_index": "ok"}


def test_healthz_with_an_empty_queue_counts_zero(client):
    body = client.get("/healthz").get_json()
    assert body["mail_queue"] == 0


def test_healthz_is_degraded_when_the_search_index_folder_is_missing(make_app, tmp_path):
    missing = tmp_path / "no-such-index"
    app = make_app(SEARCH_INDEX_DIR=str(missing))
    if missing.exists():  # the test factory creates it; the check must see it absent
        missing.rmdir()

    response = app.test_client().get("/healthz")

    body = response.get_json()
    assert response.status_code == 200  # the database is fine: keep serving
    assert body["status"] == "degraded"
    assert body["search_index"] == "missing"
    assert body["database"] == "ok"


# --- error pages ---------------------------------------------------------------------------------

def test_unknown_page_gets_the_chinese_404_page(client):
    assert_chinese_error_page(client.get("/no-such-page"), 404)


@pytest.mark.parametrize(("method", "url"), [
    ("POST", "/"), ("POST", "/privacy"), ("DELETE", "/mailbox/new"), ("PUT", "/track"),
])
def test_a_method_a_route_does_not_accept_gets_the_chinese_405_page(client, method, url):
    assert_chinese_error_page(client.open(url, method=method), 405)


@pytest.mark.parametrize(("method", "url", "allowed"), [
    ("POST", "/", {"GET", "HEAD", "OPTIONS"}),
    ("DELETE", "/mailbox/new", {"GET", "HEAD", "OPTIONS", "POST"}),
])
def test_a_405_response_names_the_allowed_methods(client, method, url, allowed):
    response = client.open(url, method=method)

    assert response.status_code == 405
    assert "Allow" in response.headers, "RFC 9110 15.5.6: a 405 MUST carry an Allow header"
    assert {m.strip() for m in response.headers["Allow"].split(",")} == allowed


def test_an_oversized_request_gets_the_chinese_413_page(make_app, session, make_category):
    app = make_app(MAX_CONTENT_LENGTH=4096)
    client = app.test_client()
    category = make_category("交通出行")
    tokens = form_tokens(client, "/mailbox/new")

    response = client.post("/mailbox/new", data={
        **tokens, **letter_data(category.id, content="很长的来信。" * 2000)})

    assert_chinese_error_page(response, 413)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Case)) == 0


def test_too_many_requests_get_the_chinese_429_page(make_app):
    client = make_app(TRACK_RATE_LIMIT="2 per minute").test_client()

    statuses = [client.get("/track/not-a-token").status_code for _ in range(2)]
    response = client.get("/track/not-a-token")

    assert statuses == [302, 302]
    assert_chinese_error_page(response, 429)
    assert int(response.headers["Retry-After"]) > 0


def test_a_post_without_csrf_to_a_plain_form_gets_the_chinese_400_page(make_app):
    app = make_app()
    app.add_url_rule("/test-plain-form", "test_plain_form", lambda: "stored",
                     methods=["POST"])

    response = app.test_client().post("/test-plain-form", data={"x": "1"})

    assert_chinese_error_page(response, 400)
    assert "stored" not in response.get_data(as_text=True)


def test_a_bad_request_raised_by_a_view_gets_the_chinese_400_page(make_app):
    app = make_app()
    app.add_url_rule("/test-bad-request", "test_bad_request", lambda: abort(400))

    assert_chinese_error_page(app.test_client().get("/test-bad-request"), 400)


def _raise_with_personal_data() -> Any:
    raise RuntimeError("SELECT phone FROM contacts WHERE phone='13800138000'")


def _run_broken_sql() -> Any:
    # A fault in the statement on both databases; an unreachable database answers 503
    # (tests/site/test_database_down.py).
    db.session.connection().exec_driver_sql("SELECT '13800138000' AS secret_column WHERE 1 = ?",
                                            ())
    return "unreachable"


@pytest.mark.parametrize("view", [_raise_with_personal_data, _run_broken_sql],
                         ids=["exception", "sql-error"])
def test_an_unexpected_error_shows_only_an_error_number(make_app, view):
    app = make_app()
    app.add_url_rule("/test-boom", "test_boom", view)

    response = app.test_client().get("/test-boom")

    html = assert_chinese_error_page(response, 500)
    request_id = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{16}", request_id)
    assert f"<code>{request_id}</code>" in html
    for leak in ("Traceback", "SELECT", "WHERE", "secret_column", "13800138000",
                 "RuntimeError", "ProgrammingError", "sqlalchemy", "sqlite", "psycopg", ".py"):
        assert leak not in html


@pytest.mark.parametrize("code", [503, 502, 504])
def test_a_view_aborting_with_a_server_error_gets_its_status_and_a_chinese_page(
        make_app, code):
    app = make_app()
    app.add_url_rule("/test-abort", "test_abort", lambda: abort(code))

    response = app.test_client().get("/test-abort")

    html = response.get_data(as_text=True)
    assert response.status_code == code
    assert ERROR_TITLES.get(code, ERROR_TITLES[500]) in html
    assert f'<p class="error-code">{code}</p>' in html
    assert "Service Unavailable" not in html and "Bad Gateway" not in html


def test_the_database_session_is_usable_after_an_error(make_app, category):
    app = make_app()
    app.add_url_rule("/test-boom", "test_boom", _run_broken_sql)
    client = app.test_client()

    assert client.get("/test-boom").status_code == 500
    assert post_form(client, "/mailbox/new", letter_data(category.id)).status_code == 303


# --- security headers and cookies ----------------------------------------------------------------

PAGES = ["/", "/privacy", "/healthz", "/mailbox/new", "/suggestions/new", "/track",
         "/campaigns", "/submitted", "/track/not-a-token", "/static/css/portal.css",
         "/static/js/portal.js", "/no-such-page"]


@pytest.mark.parametrize("url", PAGES)
def test_every_page_carries_the_security_headers(client, url):
    response = client.get(url)

    assert response.status_code < 500
    assert_security_headers(response)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in response.headers  # development: plain http


def test_error_and_post_responses_carry_the_security_headers(client, category):
    assert_security_headers(client.post("/"))
    assert_security_headers(post_form(client, "/mailbox/new", letter_data(category.id)))
    assert_security_headers(client.post("/track", data={"tracking_code": "x"}))


def test_the_session_cookie_is_httponly_and_samesite_lax(client):
    response = client.get("/mailbox/new")

    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert len(cookies) == 1
    attributes = {a.strip().split("=")[0].lower(): a.strip() for a in cookies[0].split(";")[1:]}
    assert "httponly" in attributes
    assert attributes["samesite"] == "SameSite=Lax"


# --- CSRF on every state-changing route (A10) and safe GETs --------------------------------------


def test_every_state_changing_route_refuses_a_request_without_csrf_token(
        app, client, session, category, make_campaign, smtp):
    campaign = make_campaign()
    before = snapshot(session)
    form = {**letter_data(category.id), **suggestion_data(category.id),
            "tracking_code": "MB-2026-0000-0000-0000-0000", "phone_last4": "8000",
            "submission_token": "a" * 32}
    walked = []

    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) & UNSAFE_METHODS):
            url = sample_url(app, rule, {"campaign_id": campaign.id})
            response = client.open(url, method=method, data=form)
            # Routes for programs authorise with an API key, not a cookie: no key, no entry.
            expected = 403 if rule.endpoint in API_KEY_ENDPOINTS else 400
            assert response.status_code == expected, (method, url, response.status_code)
            walked.append((method, rule.rule))

    assert {("POST", "/mailbox/new"), ("POST", "/suggestions/new"),
            ("POST", "/track"), ("POST", "/open311/v2/requests.xml")} <= set(walked)
    assert snapshot(session) == before
    assert smtp.mailbox.messages == []


def test_a_campaign_suggestion_without_csrf_token_is_refused(client, session, category,
                                                              make_campaign):
    campaign = make_campaign()
    before = snapshot(session)

    response = client.post(f"/suggestions/new?campaign={campaign.id}",
                           data=suggestion_data(category.id))

    assert response.status_code == 400
    assert snapshot(session) == before


def test_no_get_request_changes_the_database(app, client, session, category, make_campaign,
                                            smtp):
    campaign = make_campaign()
    assert post_form(client, "/mailbox/new", letter_data(category.id)).status_code == 303
    session.add(OutboundMail(recipient="waiting@example.com", subject="s", body_text="b",
                             template="submission_received"))
    session.commit()
    code = session.scalars(select(Case.tracking_code)).one()
    with app.app_context():
        token = tracking_link_token(code)
    values = {"campaign_id": campaign.id, "token": token, "filename": "css/portal.css"}
    before = snapshot(session)
    visited = []

    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or set()):
            continue
        url = sample_url(app, rule, values)
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        visited.append(rule.rule)

    assert {"/", "/mailbox/new", "/track", "/track/<token>", "/submitted",
            "/campaigns/<id:campaign_id>", "/healthz"} <= set(visited)
    assert snapshot(session) == before


# --- configuration (A35) --------------------------------------------------------------------------

PRODUCTION_ENV = {
    "SECRET_KEY": "p" * 48,
    "PII_KEY": Fernet.generate_key().decode(),
    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
}


@pytest.fixture
def production_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    env = {**PRODUCTION_ENV, "DATABASE_URL": f"sqlite:///{tmp_path / 'prod' / 'portal.db'}"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PORTAL_ENV", "production")
    return env


@pytest.mark.parametrize("missing", [("SECRET_KEY",), ("PII_KEY",), ("DATABASE_URL",),
                                     ("SECRET_KEY", "PII_KEY", "DATABASE_URL")])
def test_production_refuses_to_start_without_its_secrets(production_env, monkeypatch,
                                                         tmp_path, missing):
    for name in missing:
        monkeypatch.delenv(name)

    with pytest.raises(RuntimeError) as refused:
        ProductionConfig(tmp_path / "instance")

    for name in missing:
        assert name in str(refused.value)
    assert not (tmp_path / "instance" / "secret_key").exists()
    assert not (tmp_path / "instance" / "pii_key").exists()


def test_production_refuses_an_empty_secret(production_env, monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        ProductionConfig(tmp_path / "instance")


@pytest.mark.parametrize("storage", ["", "memory://"])
def test_production_refuses_rate_limits_counted_per_process(production_env, monkeypatch,
                                                           tmp_path, storage):
    """Each worker counting on its own would multiply every limit by the workers."""
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", storage)
    with pytest.raises(RuntimeError, match="RATELIMIT_STORAGE_URI"):
        ProductionConfig(tmp_path / "instance")


@pytest.mark.parametrize("value", ["1", "true"])
def test_production_refuses_flask_debug(production_env, monkeypatch, tmp_path, value):
    """The debugger would show tracebacks and run code for anyone."""
    monkeypatch.setenv("FLASK_DEBUG", value)
    with pytest.raises(RuntimeError, match="FLASK_DEBUG"):
        ProductionConfig(tmp_path / "instance")


@pytest.mark.parametrize("key", ["short", "x" * 31])
def test_production_refuses_a_short_secret_key(production_env, monkeypatch, tmp_path, key):
    monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        ProductionConfig(tmp_path / "instance")


def test_the_app_factory_refuses_to_start_in_production_without_secrets(
        production_env, monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"INSTANCE_DIR": str(tmp_path / "instance")})


def test_production_takes_secrets_from_the_environment_only(production_env, tmp_path):
    config = load_config(tmp_path / "instance")

    assert isinstance(config, ProductionConfig)
    taken = {"SECRET_KEY": config.SECRET_KEY, "PII_KEY": config.PII_KEY,
             "DATABASE_URL": config.DATABASE_URL,
             "RATELIMIT_STORAGE_URI": config.RATELIMIT_STORAGE_URI}
    assert taken == production_env
    assert config.SESSION_COOKIE_SECURE is True
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_production_sends_hsts_and_a_secure_host_only_session_cookie(production_env, tmp_path):
    app = create_app({"INSTANCE_DIR": str(tmp_path / "instance")})

    response = app.test_client().get("/track")

    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    cookie = next(c for c in response.headers.getlist("Set-Cookie")
                  if c.startswith("__Host-session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Domain=" not in cookie


@pytest.fixture
def development_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SECRET_KEY", "PII_KEY", "PORTAL_ENV", "INSTANCE_DIR", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)


def test_development_generates_keys_into_the_instance_folder_readable_by_owner_only(
        development_env, tmp_path):
    instance = tmp_path / "instance"

    config = load_config(instance)

    assert type(config) is Config
    secret_file, pii_file = instance / "secret_key", instance / "pii_key"
    assert secret_file.stat().st_mode & 0o777 == 0o600
    assert pii_file.stat().st_mode & 0o777 == 0o600
    secret, pii = config.SECRET_KEY, config.PII_KEY
    assert secret == secret_file.read_text().strip()
    assert len(bytes.fromhex(secret)) >= 32
    assert pii == pii_file.read_text().strip()
    token = Fernet(pii.encode()).encrypt(b"13800138000")
    assert Fernet(pii.encode()).decrypt(token) == b"13800138000"


def test_development_keys_survive_a_restart_and_differ_between_instances(
        development_env, tmp_path):
    first = load_config(tmp_path / "a")
    again = load_config(tmp_path / "a")
    other = load_config(tmp_path / "b")

    assert (again.SECRET_KEY, again.PII_KEY) == (first.SECRET_KEY, first.PII_KEY)
    assert other.SECRET_KEY != first.SECRET_KEY
    assert other.PII_KEY != first.PII_KEY


def test_development_prefers_keys_from_the_environment(development_env, monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "e" * 40)
    monkeypatch.setenv("PII_KEY", PRODUCTION_ENV["PII_KEY"])

    config = load_config(tmp_path / "instance")

    keys = (config.SECRET_KEY, config.PII_KEY)
    assert keys == ("e" * 40, PRODUCTION_ENV["PII_KEY"])
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_the_app_factory_in_development_uses_the_generated_keys(development_env, tmp_path):
    instance = tmp_path / "instance"
    app = create_app({"INSTANCE_DIR": str(instance)})

    assert app.config["SECRET_KEY"] == (instance / "secret_key").read_text().strip()
    assert app.config["PII_KEY"] == (instance / "pii_key").read_text().strip()
    assert os.stat(instance / "secret_key").st_mode & 0o777 == 0o600


# --- logs keep one record on one line (A31) ------------------------------------------------------

def _record(msg: str, args: tuple[Any, ...] = (), exc_info: Any = None) -> logging.LogRecord:
    return logging.LogRecord("portal", logging.WARNING, __file__, 1, msg, args, exc_info)


def _exc_info() -> Any:
    try:
        raise ValueError("line one\nFAKE 2026-01-01 ERROR admin logged in")
    except ValueError:
        return sys.exc_info()


@pytest.mark.parametrize("record", [
    _record("title: a\r\nFAKE LOG"),
    _record("title: %s", ("a\r\nFAKE LOG",)),
    _record("title: %s", ("a\rFAKE\nLOG\x1b[31m\x00",)),
    _record("failed", exc_info=_exc_info()),
], ids=["message", "argument", "controls", "traceback"])
def test_the_log_formatter_keeps_a_record_on_one_line(app, record):
    with app.app_context():
        line = OneLineFormatter("%(levelname)s [%(request_id)s] %(message)s").format(record)

    assert "\n" not in line and "\r" not in line
    assert not any(ord(ch) < 32 or ord(ch) == 127 for ch in line)
    assert "FAKE" in line


@pytest.mark.parametrize("breaker", ["\u2028", "\u2029", "\u0085", "\x1c", "\x1e"])
def test_unicode_line_separators_cannot_start_a_forged_line(app, breaker):
    """``str.splitlines`` and many log viewers break lines at these too."""
    with app.app_context():
        line = OneLineFormatter("%(message)s").format(_record(f"a{breaker}FAKE LOG"))
    assert line.splitlines() == [line]
    assert "FAKE LOG" in line


def test_the_formatter_escapes_visibly(app):
    with app.app_context():
        line = OneLineFormatter("%(message)s").format(_record("a\r\nFAKE LOG\tx"))
    assert line == "a\\r\\nFAKE LOG\\tx"


def test_a_request_logging_citizen_input_writes_one_line_with_its_request_id(make_app):
    app = make_app()

    def log_query() -> str:
        current_app.logger.warning("search for %s", request.args["q"])
        return "ok"

    app.add_url_rule("/test-log", "test_log", log_query)
    app.add_url_rule("/test-boom", "test_boom", _raise_with_personal_data)
    handler = app.logger.handlers[0]
    stream = io.StringIO()
    previous = handler.setStream(stream)  # type: ignore[attr-defined]
    try:
        response = app.test_client().get(
            "/test-log", query_string={"q": "a\r\n2026-01-01 ERROR [-] portal: FAKE"})
        boom = app.test_client().get("/test-boom")
    finally:
        handler.setStream(previous)  # type: ignore[attr-defined]

    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    assert response.headers["X-Request-ID"] in lines[0]
    assert "a\\r\\n2026-01-01 ERROR" in lines[0]
    assert boom.headers["X-Request-ID"] in lines[1]
    assert "Traceback" in lines[1]  # the whole traceback, escaped onto the one line
