"""Administrators and moderators sign in with an authenticator code (docs/security.md A3):
without one they reach no back-office page, an expired or replayed code is refused,
recovery codes are stored hashed and work once, and an administrator can reset a lost
authenticator. Through the real HTTP stack with CSRF."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import urlsplit

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from config import Config, ProductionConfig
from portal.auth import totp
from portal.auth.models import RecoveryCode, SecurityEvent, StaffUser
from portal.cases.workflow import Role
from tests.helpers import form_tokens, login, make_staff

SECRET = pyotp.random_base32()


@pytest.fixture
def app(make_app: Any) -> Flask:
    return make_app(TOTP_REQUIRED_ROLES=("admin", "moderator"))


def path(response: Any) -> str:
    return urlsplit(response.headers.get("Location", "")).path


def code_at(moment: dt.datetime, secret: str = SECRET) -> str:
    return pyotp.TOTP(secret).at(moment)


def enrolled(session: Any, username: str, *roles: Role) -> StaffUser:
    user = make_staff(session, username, *roles)
    user.totp_secret = SECRET
    session.commit()
    return user


def send_code(client: FlaskClient, code: str) -> Any:
    tokens = form_tokens(client, "/staff/login/verify")
    return client.post("/staff/login/verify", data={**tokens, "code": code})


def events(session: Any, action: str) -> int:
    session.expire_all()
    return len(session.scalars(select(SecurityEvent).where(SecurityEvent.action == action)).all())


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MODERATOR])
def test_a_password_alone_reaches_no_back_office_page(app, session, client, role):
    make_staff(session, "lead", role)

    response = login(client, "lead")

    assert response.status_code == 303 and path(response) == "/staff/login/enrol"
    for page in ("/staff/", "/staff/queues/all", "/staff/admin/accounts", "/staff/publication"):
        assert path(client.get(page)) == "/staff/login", page


def test_an_operator_signs_in_with_a_password_only(app, session, client):
    make_staff(session, "clerk", Role.OPERATOR)

    response = login(client, "clerk")

    assert response.status_code == 303 and path(response) != "/staff/login/enrol"
    assert client.get("/staff/").status_code == 200


def test_enrolment_needs_a_right_code_then_shows_recovery_codes_kept_only_hashed(
        app, session, client, clock):
    make_staff(session, "lead", Role.ADMIN)
    login(client, "lead")
    page = client.get("/staff/login/enrol").get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    assert "<svg" in page  # the QR code, inline
    tokens = form_tokens(client, "/staff/login/enrol")

    wrong = client.post("/staff/login/enrol", data={**tokens, "code": "000000"})
    assert wrong.status_code == 400
    assert "验证码不正确" in wrong.get_data(as_text=True)
    assert 'value="000000"' in wrong.get_data(as_text=True)  # the input is kept
    assert path(client.get("/staff/")) == "/staff/login"

    done = client.post("/staff/login/enrol", data={**tokens, "code": code_at(clock.now, secret)})
    shown = re.findall(r"<li><code>([0-9a-f]{8}-[0-9a-f]{8})</code></li>", done.get_data(as_text=True))

    assert done.status_code == 200 and len(shown) == totp.RECOVERY_CODES
    assert client.get("/staff/").status_code == 200
    session.expire_all()
    user = session.scalar(select(StaffUser).where(StaffUser.username == "lead"))
    stored = session.scalars(select(RecoveryCode.code_hash)
                             .where(RecoveryCode.user_id == user.id)).all()
    assert user.totp_secret == secret and len(stored) == totp.RECOVERY_CODES
    assert not set(stored) & set(shown)
    assert events(session, "second_factor_enrolled") == 1


def test_a_current_code_signs_in_once_and_a_replayed_one_is_refused(app, session, clock):
    enrolled(session, "lead", Role.MODERATOR)
    first, second = app.test_client(), app.test_client()
    code = code_at(clock.now)

    login(first, "lead")
    assert path(send_code(first, code)) == "/staff/"
    assert first.get("/staff/").status_code == 200

    login(second, "lead")
    replayed = send_code(second, code)
    assert replayed.status_code == 401
    assert "验证码不正确、已过期或已使用过" in replayed.get_data(as_text=True)
    assert path(second.get("/staff/")) == "/staff/login"
    assert events(session, "second_factor_failed") == 1


def test_an_expired_code_is_refused_and_one_step_of_clock_drift_is_not(app, session, client,
                                                                        clock):
    enrolled(session, "lead", Role.ADMIN)
    login(client, "lead")

    assert send_code(client, code_at(clock.now - dt.timedelta(seconds=95))).status_code == 401
    assert send_code(client, code_at(clock.now + dt.timedelta(seconds=300))).status_code == 401
    assert send_code(client, "12345").status_code == 401
    assert path(send_code(client, code_at(clock.now - dt.timedelta(seconds=30)))) == "/staff/"


def test_a_code_older_than_the_last_one_used_is_refused(app, session, clock):
    enrolled(session, "lead", Role.ADMIN)
    first, second = app.test_client(), app.test_client()
    login(first, "lead")
    assert path(send_code(first, code_at(clock.now))) == "/staff/"

    login(second, "lead")
    assert send_code(second, code_at(clock.now - dt.timedelta(seconds=30))).status_code == 401


def test_a_recovery_code_works_once(app, session, clock):
    user = enrolled(session, "lead", Role.ADMIN)
    codes = totp.issue_recovery_codes(session, user)
    session.commit()
    first, second = app.test_client(), app.test_client()

    login(first, "lead")
    assert path(send_code(first, codes[3].upper())) == "/staff/"
    login(second, "lead")
    assert send_code(second, codes[3]).status_code == 401
    assert path(send_code(second, codes[4])) == "/staff/"
    assert events(session, "recovery_code_used") == 2


def test_the_code_step_expires_after_five_minutes(app, session, client, clock):
    enrolled(session, "lead", Role.ADMIN)
    login(client, "lead")
    tokens = form_tokens(client, "/staff/login/verify")
    clock.advance(minutes=6)

    response = client.post("/staff/login/verify", data={**tokens, "code": code_at(clock.now)})

    assert path(response) == "/staff/login"
    assert "登录已超时" in client.get("/staff/login").get_data(as_text=True)
    assert path(client.get("/staff/")) == "/staff/login"


def test_no_second_step_without_the_password_step(app, session, client):
    enrolled(session, "lead", Role.ADMIN)

    assert path(client.get("/staff/login/verify")) == "/staff/login"
    assert path(client.get("/staff/login/enrol")) == "/staff/login"


def test_a_session_from_before_the_rule_must_sign_in_again(make_app, session):
    make_staff(session, "lead", Role.ADMIN)
    app = make_app(TOTP_REQUIRED_ROLES=())
    client = app.test_client()
    login(client, "lead")
    assert client.get("/staff/").status_code == 200

    app.config["TOTP_REQUIRED_ROLES"] = ("admin",)  # the rule arrives with a deployment
    response = client.get("/staff/")

    assert path(response) == "/staff/login"
    assert "须使用身份验证器两步验证" in client.get("/staff/login").get_data(as_text=True)
    assert path(client.get("/staff/")) == "/staff/login"


def test_an_admin_resets_a_lost_authenticator_and_ends_its_sessions(app, session, clock):
    enrolled(session, "chief", Role.ADMIN)
    lead = enrolled(session, "lead", Role.MODERATOR)
    totp.issue_recovery_codes(session, lead)
    session.commit()
    chief, lost = app.test_client(), app.test_client()
    login(lost, "lead")
    send_code(lost, code_at(clock.now))
    assert lost.get("/staff/").status_code == 200
    login(chief, "chief")
    send_code(chief, code_at(clock.now + dt.timedelta(seconds=30)))
    page = chief.get("/staff/admin/accounts").get_data(as_text=True)
    assert "已启用" in page

    tokens = form_tokens(chief, "/staff/admin/accounts")
    reset = chief.post(f"/staff/admin/accounts/{lead.id}/second-factor",
                       data={"csrf_token": tokens["csrf_token"]})

    assert reset.status_code == 303
    assert path(lost.get("/staff/")) == "/staff/login"
    session.expire_all()
    assert session.get(StaffUser, lead.id).totp_secret is None
    assert not session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == lead.id)).all()
    assert events(session, "reset_second_factor") == 1
    assert path(login(lost, "lead")) == "/staff/login/enrol"


def test_the_secret_is_encrypted_at_rest(app, session):
    user = enrolled(session, "lead", Role.ADMIN)
    session.expire_all()

    stored = session.execute(text("SELECT totp_secret FROM staff_users WHERE id = :id"),
                             {"id": user.id}).scalar_one()

    assert session.get(StaffUser, user.id).totp_secret == SECRET
    assert SECRET not in stored


def test_the_secret_being_enrolled_is_not_readable_in_the_session_cookie(app, session, client):
    make_staff(session, "lead", Role.ADMIN)
    login(client, "lead")
    page = client.get("/staff/login/enrol").get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")

    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    held = app.session_interface.get_signing_serializer(app).loads(cookie)  # what it carries

    assert "pending_login" in held and secret not in str(held)
    again = client.get("/staff/login/enrol").get_data(as_text=True)
    assert re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', again).group(1).replace(
        " ", "") == secret  # the same secret on the next visit


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.HANDLER, Role.SUPERVISOR])
def test_the_contact_data_setting_makes_every_role_that_sees_contacts_enrol(make_app, session,
                                                                            role):
    make_staff(session, "clerk", role)
    lenient = make_app(TOTP_FOR_CONTACT_DATA=False).test_client()
    assert path(login(lenient, "clerk")) == "/staff/"
    strict = make_app(TOTP_FOR_CONTACT_DATA=True).test_client()
    assert path(login(strict, "clerk")) == "/staff/login/enrol"


def test_production_requires_the_second_factor_for_contact_data_by_default():
    assert Config.TOTP_FOR_CONTACT_DATA is False
    assert ProductionConfig.TOTP_FOR_CONTACT_DATA is True


def test_any_role_may_add_an_authenticator_of_its_own_accord(app, session, client, clock):
    make_staff(session, "op", Role.OPERATOR)  # not required to for this role here
    login(client, "op")
    assert client.get("/staff/").status_code == 200
    page = client.get("/staff/account/second-factor").get_data(as_text=True)
    assert "启用两步验证后" in page and "<svg" in page
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    tokens = form_tokens(client, "/staff/account/second-factor")
    # The same secret until it is confirmed: a reload does not change what was scanned.
    assert secret in client.get("/staff/account/second-factor").get_data(as_text=True).replace(
        " ", "")

    wrong = client.post("/staff/account/second-factor", data={**tokens, "code": "000000"})
    assert wrong.status_code == 400 and "验证码不正确" in wrong.get_data(as_text=True)
    done = client.post("/staff/account/second-factor",
                       data={**tokens, "code": code_at(clock.now, secret)})
    assert done.status_code == 200 and "恢复码" in done.get_data(as_text=True)
    session.expire_all()
    assert session.scalar(select(StaffUser).where(StaffUser.username == "op")).totp_secret == \
        secret
    assert events(session, "second_factor_enrolled") == 1
    assert "两步验证已启用" in client.get("/staff/account/second-factor").get_data(as_text=True)

    # From now on the password alone no longer signs in.
    client.post("/staff/logout", data=form_tokens(client, "/staff/"))
    login(client, "op")
    assert path(client.get("/staff/")) == "/staff/login"


def test_the_own_authenticator_page_needs_a_sign_in(client):
    assert path(client.get("/staff/account/second-factor")) == "/staff/login"
