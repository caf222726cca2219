"""The signed-in staff member's own account: changing the password, adding an
authenticator (every role may; those that see contact data may be required to at sign-in)."""

from __future__ import annotations

from typing import Any

from cryptography.fernet import InvalidToken
from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_login import current_user, login_user

from portal.auth import totp
from portal.auth.access import SECOND_FACTOR
from portal.auth.events import record_security_event
from portal.auth.forms import ChangePasswordForm, EnrolForm
from portal.auth.services import AccountRefused, change_password
from portal.auth.throttle import failed, login_limit
from portal.db import db
from portal.extensions import limiter
from portal.privacy.crypto import cipher
from portal.security import no_store

from .guard import protect

bp = protect(Blueprint("account", __name__, url_prefix="/staff/account"))
ENROL_SECRET = "enrol_secret"  # encrypted: the session is a cookie the browser can read


def _member_key() -> str:
    return f"password-change:{current_user.id}"


@bp.route("/password", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"], deduct_when=failed, key_func=_member_key)
def password() -> Any:
    """Change one's own password: this session goes on, every other one ends."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()  # noqa: SLF001 - werkzeug proxy API
        try:
            change_password(user, form.current_password.data, form.new_password.data)
        except AccountRefused as refused:
            form[refused.field].errors = [str(refused)]
            db.session.commit()  # a wrong current password is in the security log
        else:
            login_user(user)  # this session, signed again with the account's new epoch
            db.session.commit()
            flash("密码已修改。您在其他设备或浏览器上的登录已全部结束。", "success")
            return redirect(url_for("queues.index"), code=303)
    return render_template("auth/change_password.html", form=form, forced=False), (
        400 if form.errors else 200)


def _enrolment_secret() -> str:
    """The secret this browser is enrolling, the same until it is confirmed."""
    try:
        return cipher().decrypt(str(session[ENROL_SECRET]).encode()).decode()
    except (KeyError, InvalidToken):
        secret = totp.new_secret()
        session[ENROL_SECRET] = cipher().encrypt(secret.encode()).decode()
        return secret


@bp.route("/second-factor", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"], deduct_when=failed, key_func=_member_key)
@no_store
def second_factor() -> Any:
    """Add an authenticator of one's own accord; an admin resets a lost one."""
    user = current_user._get_current_object()  # noqa: SLF001 - werkzeug proxy API
    if user.totp_secret is not None:
        return render_template("staff/second_factor_on.html")
    secret = _enrolment_secret()
    form = EnrolForm()
    if form.validate_on_submit():
        codes = totp.enrol(db.session, user, secret, form.code.data)
        if codes is not None:
            session.pop(ENROL_SECRET, None)
            session[SECOND_FACTOR] = True
            record_security_event("second_factor_enrolled", user=user)
            db.session.commit()
            return render_template("auth/recovery_codes.html", codes=codes,
                                   next_url=url_for("queues.index"))
        form.code.errors = ["验证码不正确，请确认手机时间准确后重试"]
    uri = totp.provisioning_uri(user, secret)
    return render_template("auth/enrol.html", form=form, secret=secret, uri=uri,
                           qr=totp.qr_code(uri), voluntary=True), 200 if not form.errors else 400
