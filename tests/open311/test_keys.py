"""API keys: issued on the command line or on the admin page (shown once, stored as a
hash), listed, revoked; the admin page is for admins only and every action is logged."""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select

from portal.auth.models import SecurityEvent
from portal.cases.workflow import Role
from portal.open311.models import ApiClient
from tests.helpers import form_tokens, login, make_staff
from tests.helpers.open311 import request_form

PAGE = "/staff/admin/api-keys"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]*)"')


def test_issue_key_prints_the_key_on_its_last_line_and_stores_only_its_hash(app, session):
    result = app.test_cli_runner().invoke(args=["open311", "issue-key", " 区网格化平台 "])

    assert result.exit_code == 0, result.output
    key = result.output.strip().splitlines()[-1]
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", key)
    client = session.scalars(select(ApiClient)).one()
    assert client.name == "区网格化平台"
    assert client.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert client.key_prefix == key[:8] and client.revoked_at is None


def test_keys_issued_and_revoked_on_the_command_line_are_in_the_security_log(app, session):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["open311", "issue-key", "区网格化平台"]).exit_code == 0
    client_id = session.scalars(select(ApiClient.id)).one()
    assert runner.invoke(args=["open311", "revoke-key", str(client_id)]).exit_code == 0

    session.rollback()
    logged = session.scalars(select(SecurityEvent).order_by(SecurityEvent.id)).all()
    assert [(e.action, e.object_id, e.username, e.ip_address) for e in logged] == [
        ("issue_api_key", client_id, "(命令行)", None), ("revoke_api_key", client_id, "(命令行)", None)]


@pytest.mark.parametrize("name", ["", "   ", "\u200b", "名" * 101])
def test_issue_key_refuses_a_name_it_cannot_keep(app, session, name):
    result = app.test_cli_runner().invoke(args=["open311", "issue-key", name])

    assert result.exit_code != 0
    assert session.scalars(select(ApiClient)).all() == []


def test_list_and_revoke_keys_on_the_command_line(app, client, city, issue_key, session):
    key = issue_key("甲平台")
    runner = app.test_cli_runner()
    client_id = session.scalars(select(ApiClient.id)).one()

    listed = runner.invoke(args=["open311", "list-keys"])
    revoked = runner.invoke(args=["open311", "revoke-key", str(client_id)])
    again = runner.invoke(args=["open311", "revoke-key", str(client_id)])
    unknown = runner.invoke(args=["open311", "revoke-key", "999"])

    assert listed.exit_code == 0 and f"{client_id}\t{key[:8]}…\t甲平台" in listed.output
    assert "有效" in listed.output and key not in listed.output
    assert revoked.exit_code == 0 and again.exit_code == 0 and unknown.exit_code != 0
    assert "已停用" in runner.invoke(args=["open311", "list-keys"]).output
    answer = client.post("/open311/v2/requests.json", data=request_form(city, key))
    assert answer.status_code == 403


@pytest.fixture
def admin(app, session):
    user = make_staff(session, "root", Role.ADMIN)
    browser = app.test_client()
    assert login(browser, "root").status_code == 303
    browser.user_id = user.id
    return browser


def test_an_admin_issues_a_key_that_is_shown_once_and_works(admin, session, client, city):
    response = admin.post(PAGE, data={**form_tokens(admin, PAGE), "name": "市民服务App"})

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    key = re.search(r'<code class="code-sm" id="new-api-key">([^<]+)</code>',
                    response.get_data(as_text=True)).group(1)
    assert client.post("/open311/v2/requests.json",
                       data=request_form(city, key)).status_code == 201
    later = admin.get(PAGE).get_data(as_text=True)
    assert key not in later and key[:8] in later and "市民服务App" in later
    session.rollback()
    issued = session.scalars(select(ApiClient)).one()
    [event] = session.scalars(select(SecurityEvent).where(
        SecurityEvent.action == "issue_api_key")).all()
    assert (event.actor_id, event.object_type, event.object_id) == (admin.user_id, "api_client",
                                                                    issued.id)


def test_an_admin_revokes_a_key(admin, session, client, city, issue_key):
    key = issue_key("乙平台")
    client_id = session.scalars(select(ApiClient.id)).one()
    token = CSRF.search(admin.get(PAGE).get_data(as_text=True)).group(1)

    response = admin.post(f"{PAGE}/{client_id}/revoke", data={"csrf_token": token})

    assert response.status_code == 303
    assert client.post("/open311/v2/requests.json",
                       data=request_form(city, key)).status_code == 403
    assert "已停用" in admin.get(PAGE).get_data(as_text=True)
    session.rollback()
    assert session.scalars(select(SecurityEvent.action).where(
        SecurityEvent.object_id == client_id).order_by(SecurityEvent.id)).all() == [
        "issue_api_key", "revoke_api_key"]  # issued by the fixture on the command line


def test_a_blank_name_is_refused_with_the_form_again(admin, session):
    response = admin.post(PAGE, data={**form_tokens(admin, PAGE), "name": " "})

    assert response.status_code == 400
    assert "请填写客户端名称" in response.get_data(as_text=True)
    assert session.scalars(select(ApiClient)).all() == []


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.SUPERVISOR, Role.MODERATOR, Role.HANDLER])
def test_only_admins_manage_keys(app, session, role, make_department):
    make_staff(session, "staffer", role,
               department=make_department() if role is Role.HANDLER else None)
    browser = app.test_client()
    assert login(browser, "staffer").status_code == 303

    assert browser.get(PAGE).status_code == 403
    assert browser.post(f"{PAGE}/1/revoke").status_code in (400, 403)


def test_anonymous_visitors_are_sent_to_login(client):
    assert client.get(PAGE).headers["Location"].startswith("/staff/login")
