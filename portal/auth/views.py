"""Staff sign-in and sign-out.

After the password, a member may owe further steps, in this order: the authenticator
code (if one is enrolled), a new password (if someone else chose the current one), and
adding an authenticator (if the role needs one). Until the last is done the browser
holds only a five-minute "half signed in" state, which opens no other page.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from cryptography.fernet import InvalidToken
from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from portal.db import db, utcnow
from portal.extensions import limiter
from portal.privacy.crypto import cipher
from portal.security import no_store

from . import totp
from .access import SECOND_FACTOR, end_session, start_session
from .events import record_security_event
from .forms import ChangePasswordForm, EnrolForm, LoginForm, SecondFactorForm
from .models import USERNAME_MAX, StaffUser
from .names import canonical_username
from .services import AccountRefused, change_password
from .throttle import failed, login_limit

bp = Blueprint("auth", __name__, url_prefix="/staff")
PENDING = "pending_login"  # who passed the password step and owes further steps
PENDING_SECONDS = 300


def _account_key() -> str:
    """The account a sign-in tries, however its name was spelt (see ``LoginForm``)."""
    return "login-account:" + canonical_username(request.form.get("username"))[:USERNAME_MAX]


def _safe_next(target: str | None) -> str:
    """Only a path inside the back office; never another host."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and parts.path.startswith("/staff/"):
            return target
    return url_for("queues.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"], deduct_when=failed)
@limiter.limit(login_limit, methods=["POST"], deduct_when=failed, key_func=_account_key)
@no_store
def login() -> Any:
    """Sign in with username and password; the same answer for unknown users."""
    if current_user.is_authenticated:
        return redirect(url_for("queues.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(
            select(StaffUser).where(StaffUser.username == form.username.data)
        )
        ok = user.check_password(form.password.data) if user else StaffUser.check_no_password(
            form.password.data)
        if ok and user is not None and user.is_active:
            session.clear()
            return _onward(user, {"user": user.id, "epoch": user.session_epoch,
                                  "next": _safe_next(request.args.get("next"))})
        # What was typed may be a password in the wrong box: log only real usernames.
        record_security_event("login_failed", username=user.username if user else None)
        db.session.commit()
        form.password.errors = ["用户名或密码不正确"]
    return render_template("auth/login.html", form=form), 200 if not form.errors else 401


def _sign_in(user: StaffUser, second_factor: bool) -> None:
    start_session(user)
    session[SECOND_FACTOR] = second_factor
    login_user(user)
    record_security_event("login", user=user)


def _next_step(user: StaffUser, pending: dict[str, Any]) -> str | None:
    """The sign-in step ``user`` still owes, as an endpoint; None when none is left."""
    if user.totp_secret is not None and not pending.get("verified"):
        return ".second_factor"
    if user.must_change_password:
        return ".new_password"
    if totp.required(user) and user.totp_secret is None:
        return ".enrol"
    return None


def _onward(user: StaffUser, pending: dict[str, Any]) -> Response:
    """Lead ``user`` to the next step they owe, each with its own few minutes; or,
    with none left, sign them in."""
    step = _next_step(user, pending)
    if step is None:
        _sign_in(user, second_factor=bool(pending.get("verified")))
        db.session.commit()
        return redirect(pending["next"], code=303)
    session[PENDING] = {**pending, "at": utcnow().timestamp()}
    db.session.commit()
    return redirect(url_for(step), code=303)


def _pending_user() -> tuple[StaffUser, dict[str, Any]] | None:
    """Who passed the password step in this browser, within the last few minutes."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    at, ident = pending.get("at"), pending.get("user")
    if not isinstance(at, float) or not isinstance(ident, int) \
            or utcnow().timestamp() - at > PENDING_SECONDS:
        return None
    user = db.session.get(StaffUser, ident)
    if user is None or not user.is_active or user.session_epoch != pending.get("epoch"):
        return None
    return user, pending


def _pending_key() -> str:
    pending = session.get(PENDING)
    return f"second-factor:{pending.get('user') if isinstance(pending, dict) else ''}"


def _pending_secret(pending: dict[str, Any]) -> str | None:
    try:
        return cipher().decrypt(str(pending.get("secret", "")).encode()).decode()
    except InvalidToken:
        return None


def _start_again() -> Response:
    session.pop(PENDING, None)
    flash("登录已超时，请重新输入用户名和密码。", "warning")
    return redirect(url_for(".login"), code=303)


def _owing(step: str) -> tuple[StaffUser, dict[str, Any]]:
    """The half-signed-in member, if ``step`` is the one they owe now; otherwise the
    request ends, sent to the step they do owe or back to the password."""
    found = _pending_user()
    if found is None or (owed := _next_step(*found)) is None:
        abort(_start_again())
    if owed != step:
        abort(redirect(url_for(owed), code=303))
    return found


@bp.route("/login/verify", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"], deduct_when=failed)
@limiter.limit(login_limit, methods=["POST"], deduct_when=failed, key_func=_pending_key)
@no_store
def second_factor() -> Any:
    """The second step of sign-in: a code from the authenticator, or a recovery code."""
    user, pending = _owing(".second_factor")
    form = SecondFactorForm()
    if form.validate_on_submit():
        code = form.code.data
        recovered = False
        if totp.verify_code(user, code) or (
                recovered := totp.use_recovery_code(db.session, user, code)):
            if recovered:
                record_security_event("recovery_code_used", user=user)
            return _onward(user, {**pending, "verified": True})
        record_security_event("second_factor_failed", user=user)
        db.session.commit()
        form.code.errors = ["验证码不正确、已过期或已使用过"]
    return render_template("auth/second_factor.html", form=form), 200 if not form.errors else 401


@bp.route("/login/password", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"], deduct_when=failed, key_func=_pending_key)
@no_store
def new_password() -> Any:
    """The sign-in step that replaces a password someone else chose, before anything else."""
    user, pending = _owing(".new_password")
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            change_password(user, form.current_password.data, form.new_password.data)
        except AccountRefused as refused:
            form[refused.field].errors = [str(refused)]
            db.session.commit()  # a wrong current password is in the security log
        else:
            return _onward(user, {**pending, "epoch": user.session_epoch})
    return render_template("auth/change_password.html", form=form, forced=True), (
        400 if form.errors else 200)


@bp.route("/login/enrol", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"], deduct_when=failed, key_func=_pending_key)
@no_store
def enrol() -> Any:
    """Add an authenticator before the first session of a role that requires one."""
    user, pending = _owing(".enrol")
    secret = _pending_secret(pending)
    if secret is None:  # kept encrypted: the session is a cookie the browser can read
        secret = totp.new_secret()
        pending["secret"] = cipher().encrypt(secret.encode()).decode()
        session[PENDING] = pending
    form = EnrolForm()
    if form.validate_on_submit():
        codes = totp.enrol(db.session, user, secret, form.code.data)
        if codes is not None:
            record_security_event("second_factor_enrolled", user=user)
            _sign_in(user, second_factor=True)
            db.session.commit()
            return render_template("auth/recovery_codes.html", codes=codes, next_url=pending["next"])
        form.code.errors = ["验证码不正确，请确认手机时间准确后重试"]
    uri = totp.provisioning_uri(user, secret)
    return render_template("auth/enrol.html", form=form, secret=secret, uri=uri,
                           qr=totp.qr_code(uri)), 200 if not form.errors else 400


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    """Sign out; the session cookie is void from now on, even if copied."""
    end_session()
    db.session.commit()
    flash("您已安全退出。", "success")
    return redirect(url_for("auth.login"), code=303)
