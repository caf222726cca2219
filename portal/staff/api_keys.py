"""Open311 API keys for admins: list, issue (the key is shown once), revoke."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from portal.auth.access import requires
from portal.cases.workflow import Role
from portal.db import db
from portal.forms import PortalForm, line_field
from portal.open311.keys import issue_key, revoke_key
from portal.open311.models import ApiClient

from .forms import ConfirmForm
from .guard import protect

bp = protect(Blueprint("api_keys", __name__, url_prefix="/staff/admin/api-keys"))


class ApiKeyForm(PortalForm):
    name = line_field("客户端名称", min_=2, max_=100,
                      description="使用该密钥的应用或单位，例如“某区网格化管理平台”")


@bp.route("", methods=["GET", "POST"])
@requires(Role.ADMIN)
def index() -> Any:
    """List the Open311 clients and issue a key; the new key is shown on this page only."""
    form = ApiKeyForm()
    new_key = None
    if form.validate_on_submit():
        client, new_key = issue_key(db.session, form.name.data, by=current_user)
        db.session.commit()
        form = ApiKeyForm(formdata=None)
    rows = db.session.scalars(select(ApiClient).order_by(ApiClient.id.desc())).all()
    return render_template("staff/admin_api_keys.html", form=form, rows=rows, new_key=new_key,
                           revoke=ConfirmForm()), 400 if form.errors else 200


@bp.route("/<id:client_id>/revoke", methods=["POST"])
@requires(Role.ADMIN)
def revoke(client_id: int) -> Any:
    """Revoke a client's key: its next request is refused."""
    client = db.session.get(ApiClient, client_id) or abort(404)
    if ConfirmForm().validate_on_submit() and client.is_active:
        revoke_key(db.session, client, by=current_user)
        db.session.commit()
        flash(f"已停用“{client.name}”的 API key。", "success")
    return redirect(url_for(".index"), code=303)
