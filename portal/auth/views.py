"""Staff sign-in and sign-out."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from cryptography.fernet import InvalidToken
from flask import (
    Blueprint,
    current_app,
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
from .access import SECOND_FACTOR, end_session, record_security_event, start_session
from .forms import EnrolForm, LoginForm, SecondFactorForm
from .models import StaffUser

bp = Blueprint("auth", __name__, url_prefix="/staff")
PENDING = "pending_login"  # who passed the password step and owes a second factor
PENDING_SECONDS = 300


def _login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def _failed(response: Response) -> bool:
    return response.status_code >= 400


def _account_key() -> str:
    return "login-account:" + (request.form.get("username") or "").strip().lower()[:64]


def _safe_next(target: str | None) -> str:
    """Only a path inside the back office; never another host."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and parts.path.startswith("/staff/"):
            return target
    return url_for("queues.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed, key_func=_account_key)
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
            next_url = _safe_next(request.args.get("next"))
            if totp.required(user):
                return _ask_second_factor(user, next_url)
            _sign_in(user, second_factor=False)
            db.session.commit()
            return redirect(next_url, code=303)
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


def _ask_second_factor(user: StaffUser, next_url: str) -> Response:
    """The password was right: remember who is half signed in, then ask for a code
    (or, for an account that has no authenticator yet, have one added)."""
    session.clear()
    session[PENDING] = {"user": user.id, "epoch": user.session_epoch, "next": next_url,
                        "at": utcnow().timestamp()}
    return redirect(url_for(".second_factor" if user.totp_secret else ".enrol"), code=303)


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


@bp.route("/login/verify", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed, key_func=_pending_key)
@no_store
def second_factor() -> Any:
    """The second step of sign-in: a code from the authenticator, or a recovery code."""
    found = _pending_user()
    if found is None or found[0].totp_secret is None:
        return _start_again()
    user, pending = found
    form = SecondFactorForm()
    if form.validate_on_submit():
        code = form.code.data
        recovered = False
        if totp.verify_code(user, code) or (
                recovered := totp.use_recovery_code(db.session, user, code)):
            if recovered:
                record_security_event("recovery_code_used", user=user)
            _sign_in(user, second_factor=True)
            db.session.commit()
            return redirect(pending["next"], code=303)
        record_security_event("second_factor_failed", user=user)
        db.session.commit()
        form.code.errors = ["验证码不正确、已过期或已使用过"]
    return render_template("auth/second_factor.html", form=form), 200 if not form.errors else 401


@bp.route("/login/enrol", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed, key_func=_pending_key)
@no_store
def enrol() -> Any:
    """Add an authenticator before the first session of a role that requires one."""
    found = _pending_user()
    if found is None or found[0].totp_secret is not None:
        return _start_again()
    user, pending = found
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
    flash("您已安全退出。", "success")
    return redirect(url_for("auth.login"), code=303)
