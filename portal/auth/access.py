"""Who may see what: staff sessions, timeouts, and the one role check.

Every route under ``/staff`` requires a signed-in staff member (deny by default, in
the blueprint's ``before_request``); views add ``@requires(Role…)`` for their roles.
A session carries the account's ``session_epoch``: logging out bumps it, so a copied
cookie stops working (docs/security.md A5). Idle and absolute timeouts end sessions (A6).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort, current_app, session
from flask_login import LoginManager, current_user, logout_user
from sqlalchemy import select

from portal.cases.workflow import Role
from portal.db import db, utcnow

from . import totp
from .events import record_security_event
from .models import StaffUser

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "请先登录工作人员账号。"
login_manager.login_message_category = "info"
login_manager.session_protection = None  # the epoch and timeouts below do this job

F = TypeVar("F", bound=Callable[..., Any])
SECOND_FACTOR = "second_factor"  # in the session: signed in with an authenticator code


@login_manager.user_loader
def load_user(user_id: str) -> StaffUser | None:
    try:
        ident, epoch = (int(part) for part in user_id.split("."))
    except ValueError:
        return None
    user = db.session.scalar(select(StaffUser).where(StaffUser.id == ident))
    if user is None or not user.is_active or user.session_epoch != epoch:
        return None
    return user


def as_signed_out() -> None:
    """Let the rest of this request see nobody signed in, without reading the account:
    pages rendered while the database is unreachable (every template asks who it is)."""
    login_manager._update_request_context_with_user()  # noqa: SLF001 - its one setter


def start_session(user: StaffUser) -> None:
    """Forget everything from before the login, then stamp the new session's clock."""
    session.clear()
    now = utcnow().timestamp()
    session["login_at"] = now
    session["seen_at"] = now


def session_expired() -> str | None:
    """Why the current staff session has ended, or None while it is still valid."""
    now = utcnow().timestamp()
    login_at, seen_at = session.get("login_at"), session.get("seen_at")
    if not isinstance(login_at, float) or not isinstance(seen_at, float):
        return "请重新登录。"
    if now - seen_at > current_app.config["STAFF_IDLE_TIMEOUT"].total_seconds():
        return "您已长时间未操作，为保护市民信息，请重新登录。"
    if now - login_at > current_app.config["STAFF_ABSOLUTE_TIMEOUT"].total_seconds():
        return "登录已超过规定时长，请重新登录。"
    if not session.get(SECOND_FACTOR) and totp.required(current_user):
        return "您的账号须使用身份验证器两步验证，请重新登录。"
    if current_user.must_change_password:  # sign-in asks for the new one before anything
        return "您的密码须先修改，请重新登录。"
    session["seen_at"] = now
    return None


def end_session() -> None:
    """Log out and void every copy of this session's cookie (the caller commits)."""
    user = current_user._get_current_object()  # noqa: SLF001 - werkzeug proxy API
    if isinstance(user, StaffUser):
        user_row = db.session.get(StaffUser, user.id)
        if user_row is not None:
            user_row.session_epoch += 1
            record_security_event("logout", user=user_row)
    logout_user()
    session.clear()


def requires(*roles: Role) -> Callable[[F], F]:
    """Allow the view only to staff holding one of ``roles`` (403 otherwise)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated or not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapper.required_roles = frozenset(roles)  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def init_app(app: Flask) -> None:
    app.config.setdefault("STAFF_IDLE_TIMEOUT", dt.timedelta(minutes=30))
    app.config.setdefault("STAFF_ABSOLUTE_TIMEOUT", dt.timedelta(hours=12))
    login_manager.init_app(app)
