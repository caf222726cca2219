"""Staff change their own password; a password someone else chose (``create-staff``, the
admin page, an admin's reset) is changed at the next sign-in before anything else, even
before an authenticator is added. Through the real HTTP stack with CSRF."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pyotp
import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.auth.models import SecurityEvent, StaffUser
from portal.cases.workflow import Role
from tests.helpers import form_tokens, login, make_staff

OLD = "correct horse battery staple"  # what tests.helpers.make_staff and login use
NEW = "Lantern-orbit-cobalt-97"
CHANGE = "/staff/account/password"  # for a signed-in member
FORCED = "/staff/login/password"  # the sign-in step


def path(response: Any) -> str:
    return urlsplit(response.headers.get("Location", "")).path


def change(client: FlaskClient, url: str = CHANGE, current: str = OLD, new: str = NEW,
           again: str | None = None) -> Any:
    tokens = form_tokens(client, url)
    return client.post(url, data={**tokens, "current_password": current, "new_password": new,
                                  "confirm_password": NEW if again is None else again})


def actions(session: Any) -> list[tuple[str, str | None]]:
    session.rollback()
    return [(e.action, e.username) for e in
            session.scalars(select(SecurityEvent).order_by(SecurityEvent.id))]


def stored(session: Any, username: str) -> StaffUser:
    session.expire_all()
    return session.scalars(select(StaffUser).where(StaffUser.username == username)).one()


def must_change(session: Any, username: str, *roles: Role) -> StaffUser:
    user = make_staff(session, username, *roles or (Role.OPERATOR,))
    user.must_change_password = True
    session.commit()
    return user


def error_beside(html: str, field: str) -> str:
    match = re.search(rf'<ul class="field-errors" id="{field}-error">\s*<li>([^<]*)</li>', html)
    return match.group(1) if match else ""


# --- a signed-in member changes their own password -------------------------------------------

def test_a_member_changes_their_password_and_every_other_session_ends(app, session):
    make_staff(session, "alice", Role.OPERATOR)
    here, elsewhere = app.test_client(), app.test_client()
    assert login(here, "alice").status_code == login(elsewhere, "alice").status_code == 303
    assert "修改密码" in here.get("/staff/").get_data(as_text=True)  # offered in the menu

    response = change(here)

    assert response.status_code == 303 and path(response) == "/staff/"
    assert "密码已修改" in here.get("/staff/").get_data(as_text=True)  # this session goes on
    assert path(elsewhere.get("/staff/")) == "/staff/login"  # every other one has ended
    assert login(app.test_client(), "alice", OLD).status_code == 401
    assert login(app.test_client(), "alice", NEW).status_code == 303
    assert stored(session, "alice").check_password(NEW)
    assert actions(session) == [("login", "alice"), ("login", "alice"),
                                ("password_changed", "alice"), ("login_failed", "alice"),
                                ("login", "alice")]


@pytest.mark.parametrize(("current", "new", "again", "field", "message"), [
    ("not-my-password-at-all", NEW, NEW, "current_password", "当前密码不正确"),
    (OLD, NEW, "Lantern-orbit-cobalt-98", "confirm_password", "两次输入的新密码不一致"),
    (OLD, OLD, OLD, "new_password", "新密码不能与当前密码相同"),
    (OLD, "Short-pw-1", "Short-pw-1", "new_password", "密码至少需要 12 个字符"),
    (OLD, "Password2026!!", "Password2026!!", "new_password", "这个密码太常见"),
    (OLD, "Alice@@alice", "Alice@@alice", "new_password", "密码不能只是用户名、姓名"),
    (OLD, "爱丽丝2026!!!!!", "爱丽丝2026!!!!!", "new_password", "密码不能只是用户名、姓名"),
    (OLD, "", "", "new_password", "请填写新密码"),
    ("", NEW, NEW, "current_password", "请填写当前密码"),
])
def test_a_wrong_or_weak_change_is_refused_beside_its_field(app, session, current, new, again,
                                                           field, message):
    user = make_staff(session, "alice", Role.OPERATOR)
    user.display_name = "爱丽丝"
    session.commit()
    client = app.test_client()
    login(client, "alice")

    response = change(client, current=current, new=new, again=again)

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert error_beside(html, field).startswith(message)
    for typed in {current, new, again} - {""}:
        assert f'value="{typed}"' not in html  # passwords are never sent back
    assert client.get("/staff/").status_code == 200
    assert stored(session, "alice").check_password(OLD)
    failed = [("password_change_failed", "alice")] if field == "current_password" and current \
        else []
    assert actions(session) == [("login", "alice"), *failed]


def test_guessing_the_current_password_is_throttled(make_app, session):
    app = make_app(LOGIN_RATE_LIMIT="3 per 15 minutes")
    make_staff(session, "alice", Role.OPERATOR)
    client = app.test_client()
    login(client, "alice")
    for i in range(3):
        assert change(client, current=f"guess-number-{i}").status_code == 400
    assert change(client).status_code == 429
    assert stored(session, "alice").check_password(OLD)


def test_the_change_page_needs_a_signed_in_member(app, session):
    assert path(app.test_client().get(CHANGE)) == "/staff/login"


# --- a password someone else chose is changed at the next sign-in ----------------------------

def test_until_the_password_is_changed_nothing_else_opens(app, session):
    must_change(session, "alice")
    client = app.test_client()

    response = login(client, "alice")

    assert path(response) == FORCED
    page = client.get(FORCED).get_data(as_text=True)
    assert "请先设置新密码" in page and "/staff/logout" in page  # or leave
    for url in ("/staff/", "/staff/queues/all", CHANGE, "/staff/login/enrol",
                "/staff/login/verify"):
        assert path(client.get(url)) in ("/staff/login", FORCED), url
    assert path(client.get("/staff/")) == "/staff/login"
    assert actions(session) == []


def test_the_first_sign_in_changes_the_password_then_opens_the_back_office(app, session):
    must_change(session, "alice")
    client = app.test_client()
    url = login(client, "alice").headers["Location"]

    response = change(client, url)

    assert response.status_code == 303 and path(response) == "/staff/"
    assert client.get("/staff/").status_code == 200
    assert not stored(session, "alice").must_change_password
    assert login(app.test_client(), "alice", NEW).headers["Location"] == "/staff/"
    assert actions(session) == [("password_changed", "alice"), ("login", "alice"),
                                ("login", "alice")]


def test_the_forced_step_refuses_a_weak_password_beside_the_field(app, session):
    must_change(session, "alice")
    client = app.test_client()
    login(client, "alice")

    response = change(client, FORCED, new="alice2026!!!", again="alice2026!!!")

    assert response.status_code == 400
    assert error_beside(response.get_data(as_text=True), "new_password").startswith(
        "密码不能只是用户名")
    assert path(client.get("/staff/")) == "/staff/login"
    assert stored(session, "alice").must_change_password


def test_leaving_the_forced_step_signs_nobody_in(app, session):
    must_change(session, "alice")
    client = app.test_client()
    login(client, "alice")
    token = form_tokens(client, FORCED)["csrf_token"]

    response = client.post("/staff/logout", data={"csrf_token": token})

    assert path(response) == "/staff/login"
    assert path(client.get(FORCED)) == "/staff/login"
    assert stored(session, "alice").must_change_password


def test_a_flag_set_during_a_session_ends_that_session(app, session):
    user = make_staff(session, "alice", Role.OPERATOR)
    client = app.test_client()
    login(client, "alice")
    user.must_change_password = True
    session.commit()

    assert path(client.get("/staff/")) == "/staff/login"
    assert path(login(client, "alice")) == FORCED


def test_demo_accounts_sign_in_in_one_step(app, runner, session):
    result = runner.invoke(args=["seed-demo"])
    password = re.search(r"工作人员账号 operator\s+密码 (\S+)", result.output).group(1)

    response = login(app.test_client(), "operator", password)

    assert path(response) == "/staff/"
    assert not any(stored(session, name).must_change_password for name in ("admin", "operator"))


# --- an administrator requires a new password ---------------------------------------------------

def test_an_admin_requires_a_new_password_and_ends_the_members_sessions(app, session):
    make_staff(session, "root", Role.ADMIN)
    alice = make_staff(session, "alice", Role.OPERATOR)
    admin, member = app.test_client(), app.test_client()
    login(admin, "root")
    login(member, "alice")
    page = admin.get("/staff/admin/accounts").get_data(as_text=True)
    assert f'action="/staff/admin/accounts/{alice.id}/password"' in page

    response = admin.post(f"/staff/admin/accounts/{alice.id}/password",
                          data={"csrf_token": form_tokens(admin, "/staff/admin/accounts")
                                ["csrf_token"]})

    assert path(response) == "/staff/admin/accounts"
    assert "须修改密码" in admin.get("/staff/admin/accounts").get_data(as_text=True)
    assert path(member.get("/staff/")) == "/staff/login"
    assert path(login(member, "alice")) == FORCED
    session.rollback()
    [event] = session.scalars(select(SecurityEvent).where(
        SecurityEvent.action == "require_password_change")).all()
    assert (event.username, event.object_type, event.object_id) == ("root", "staff_user",
                                                                   alice.id)


def test_requiring_a_new_password_needs_the_csrf_token_and_an_admin(app, session):
    make_staff(session, "root", Role.ADMIN)
    alice = make_staff(session, "alice", Role.OPERATOR)
    make_staff(session, "sup", Role.SUPERVISOR)
    admin, supervisor = app.test_client(), app.test_client()
    login(admin, "root")
    login(supervisor, "sup")

    assert admin.post(f"/staff/admin/accounts/{alice.id}/password").status_code == 400
    token = form_tokens(supervisor, "/staff/")["csrf_token"]
    assert supervisor.post(f"/staff/admin/accounts/{alice.id}/password",
                           data={"csrf_token": token}).status_code == 403
    assert not stored(session, "alice").must_change_password


# --- with a second factor ------------------------------------------------------------------------

SECRET = pyotp.random_base32()



@pytest.fixture
def totp_app(make_app: Any) -> Any:
    return make_app(TOTP_REQUIRED_ROLES=("admin", "moderator"))


def test_a_new_admin_changes_the_password_before_adding_an_authenticator(totp_app, session,
                                                                         clock):
    must_change(session, "lead", Role.ADMIN)
    client = totp_app.test_client()

    assert path(login(client, "lead")) == FORCED
    assert path(client.get("/staff/login/enrol")) == FORCED  # not before the new password
    response = change(client, FORCED)
    assert path(response) == "/staff/login/enrol"
    assert path(client.get("/staff/")) == "/staff/login"  # not signed in yet

    page = client.get("/staff/login/enrol").get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    tokens = form_tokens(client, "/staff/login/enrol")
    done = client.post("/staff/login/enrol",
                       data={**tokens, "code": pyotp.TOTP(secret).at(clock.now)})

    assert done.status_code == 200
    assert client.get("/staff/").status_code == 200
    assert actions(session) == [("password_changed", "lead"), ("second_factor_enrolled", "lead"),
                                ("login", "lead")]


def test_an_enrolled_member_gives_a_code_before_changing_a_reset_password(totp_app, session,
                                                                          clock):
    user = must_change(session, "lead", Role.MODERATOR)
    user.totp_secret = SECRET
    session.commit()
    client = totp_app.test_client()

    assert path(login(client, "lead")) == "/staff/login/verify"
    assert path(client.get(FORCED)) == "/staff/login/verify"  # the password alone is not enough
    tokens = form_tokens(client, "/staff/login/verify")
    verified = client.post("/staff/login/verify",
                           data={**tokens, "code": pyotp.TOTP(SECRET).at(clock.now)})
    assert path(verified) == FORCED
    assert path(client.get("/staff/")) == "/staff/login"

    assert path(change(client, FORCED)) == "/staff/"
    assert client.get("/staff/").status_code == 200  # with the second factor
    assert actions(session) == [("password_changed", "lead"), ("login", "lead")]
