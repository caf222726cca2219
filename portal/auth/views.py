"""Staff sign-in and sign-out."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from portal.db import db
from portal.extensions import limiter
from portal.security import no_store

from .access import end_session, record_security_event, start_session
from .forms import LoginForm
from .models import StaffUser

bp = Blueprint("auth", __name__, url_prefix="/staff")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


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
            start_session(user)
            login_user(user)
            record_security_event("login", user=user)
            db.session.commit()
            return redirect(next_url, code=303)
        # What was typed may be a password in the wrong box: log only real usernames.
        record_security_event("login_failed", username=user.username if user else None)
        db.session.commit()
        form.password.errors = ["用户名或密码不正确"]
    return render_template("auth/login.html", form=form), 200 if not form.errors else 401


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    """Sign out; the session cookie is void from now on, even if copied."""
    end_session()
    flash("您已安全退出。", "success")
    return redirect(url_for("auth.login"), code=303)
