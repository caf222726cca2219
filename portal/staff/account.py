"""The signed-in staff member's own account: changing the password."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_user

from portal.auth.forms import ChangePasswordForm
from portal.auth.services import AccountRefused, change_password
from portal.auth.throttle import failed, login_limit
from portal.db import db
from portal.extensions import limiter

from .guard import protect

bp = protect(Blueprint("account", __name__, url_prefix="/staff/account"))


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
