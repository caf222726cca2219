"""常用答复 for supervisors and admins: list, add, edit, retire and reactivate."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms.validators import Optional

from portal.auth.access import requires
from portal.cases.canned import add_canned_reply, edit_canned_reply, set_canned_reply_active
from portal.cases.models import CannedReply
from portal.cases.queries import active_categories
from portal.cases.workflow import Role
from portal.db import db
from portal.forms import ChoiceField, PortalForm, block_field, coerce_id, line_field

from .forms import ConfirmForm, set_choices
from .guard import protect

bp = protect(Blueprint("canned", __name__, url_prefix="/staff/canned-replies"))


class CannedReplyForm(PortalForm):
    category = ChoiceField("适用类别", coerce=coerce_id, validators=[Optional()],
                           description="不选则所有类别的诉求都可使用")
    title = line_field("标题", min_=2, max_=100)
    body = block_field("答复内容", min_=10, max_=10000)


def _form(reply: CannedReply | None = None) -> CannedReplyForm:
    """The form, offering active categories, and a retired one the template still has."""
    form = CannedReplyForm(category=reply.category_id, title=reply.title, body=reply.body
                           ) if reply else CannedReplyForm()
    choices = active_categories(db.session)
    if reply and reply.category and not reply.category.is_active:
        choices.append((reply.category.id, f"{reply.category.name}（已停用）"))
    set_choices(form.category, choices, "全部类别")
    return form


@bp.route("", methods=["GET", "POST"])
@requires(Role.SUPERVISOR, Role.ADMIN)
def index() -> Any:
    """List the reply templates and add one."""
    form = _form()
    if form.validate_on_submit():
        add_canned_reply(db.session, category_id=form.category.data, title=form.title.data,
                         body=form.body.data, by=current_user)
        db.session.commit()
        flash(f"已添加常用答复“{form.title.data}”。", "success")
        return redirect(url_for(".index"), code=303)
    rows = db.session.scalars(select(CannedReply).options(selectinload(CannedReply.category))
                              .order_by(CannedReply.is_active.desc(), CannedReply.id)).all()
    return render_template("staff/canned_replies.html", form=form, rows=rows,
                           toggle=ConfirmForm()), 400 if form.errors else 200


@bp.route("/<id:reply_id>", methods=["GET", "POST"])
@requires(Role.SUPERVISOR, Role.ADMIN)
def edit(reply_id: int) -> Any:
    """Change a template's category, title or text."""
    reply = db.session.get(CannedReply, reply_id) or abort(404)
    form = _form(reply)
    if form.validate_on_submit():
        edit_canned_reply(reply, category_id=form.category.data, title=form.title.data,
                          body=form.body.data, by=current_user)
        db.session.commit()
        flash(f"已保存常用答复“{reply.title}”。", "success")
        return redirect(url_for(".index"), code=303)
    return render_template("staff/admin_edit.html", form=form,
                           heading=f"修改常用答复：{reply.title}", back=url_for(".index")), (
        400 if form.errors else 200)


@bp.route("/<id:reply_id>/active", methods=["POST"])
@requires(Role.SUPERVISOR, Role.ADMIN)
def toggle(reply_id: int) -> Any:
    """Retire a template or offer it again."""
    reply = db.session.get(CannedReply, reply_id) or abort(404)
    if ConfirmForm().validate_on_submit():
        set_canned_reply_active(reply, not reply.is_active, current_user)
        db.session.commit()
        flash(f"已{'启用' if reply.is_active else '停用'}常用答复“{reply.title}”。", "success")
    return redirect(url_for(".index"), code=303)
