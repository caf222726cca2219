"""The moderator's desk: review the proposed redaction, publish, refuse, withdraw."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import exists, select

from portal.auth.access import requires
from portal.cases.handling import staff_actor
from portal.cases.models import Case, CaseEvent
from portal.cases.workflow import Action, Role, Status
from portal.db import db
from portal.forms import PortalForm, block_field, line_field
from portal.open311.queries import request_for_case
from portal.pagination import paginate
from portal.privacy.redact import Redaction
from portal.wall.models import Publication
from portal.wall.services import propose, publish_case, refuse_publication, withdraw_publication

from .actions import committed
from .guard import protect

bp = protect(Blueprint("moderation", __name__, url_prefix="/staff/publication"))


class PublishForm(PortalForm):
    title = line_field("公开标题", min_=4, max_=100)
    letter = block_field("公开来信", min_=10, max_=20000)
    reply = block_field("公开答复", min_=10, max_=20000)
    address = line_field("公开地点", max_=200, need=False,
                         description="留空则地点（及开放接口提交的经纬度）不公开")


class ReasonForm(PortalForm):
    reason = block_field("理由", max_=500)


def _decided() -> Any:
    return exists().where(CaseEvent.case_id == Case.id, CaseEvent.action.in_(
        [Action.PUBLISH, Action.REFUSE_PUBLICATION]))


def highlighted(redaction: Redaction) -> Markup:
    """The redacted text with every mask marked, for the moderator's review."""
    out, pos = [], 0
    for mask in redaction.masks:
        out.append(escape(redaction.text[pos:mask.start]))
        out.append(Markup('<ins title="{}">{}</ins>').format(
            f"已隐去：{mask.kind}", redaction.text[mask.start:mask.end]))
        pos = mask.end
    out.append(escape(redaction.text[pos:]))
    return Markup("").join(out)


@bp.route("")
@requires(Role.MODERATOR)
def queue() -> Any:
    """Replied or closed cases whose citizen agreed to publication, not yet decided."""
    query = (select(Case).where(Case.consent_publish.is_(True),
                                Case.status.in_([Status.REPLIED, Status.CLOSED]),
                                Case.merged_into_id.is_(None), ~_decided())
             .order_by(Case.replied_at.desc()))
    published = (select(Case).join(Publication).where(Publication.is_public)
                 .order_by(Publication.published_at.desc()).limit(20))
    return render_template("staff/publication_queue.html",
                           page=paginate(db.session, query, request.args.get("page", 1, type=int)),
                           published=db.session.scalars(published).all())


def _case(case_id: int) -> Case:
    case = db.session.scalar(select(Case).where(Case.id == case_id,
                                                Case.consent_publish.is_(True)))
    if case is None or case.status not in (Status.REPLIED, Status.CLOSED):
        abort(404)
    return case


@bp.route("/<id:case_id>", methods=["GET", "POST"])
@requires(Role.MODERATOR)
def review(case_id: int) -> Any:
    """Show the proposed public version with its masks; publish the edited version."""
    case = _case(case_id)
    proposal = propose(case)
    form = PublishForm(prefix="publish")
    if not form.is_submitted():
        source = case.publication
        form.title.data = source.title if source else proposal.title.text
        form.letter.data = source.letter if source else proposal.letter.text
        form.reply.data = source.reply if source else proposal.reply.text
        form.address.data = source.address if source else proposal.address.text
    elif form.validate() and committed(lambda: publish_case(
            db.session, case, staff_actor(current_user), title=form.title.data,
            letter=form.letter.data, reply=form.reply.data,
            address=form.address.data or None)):
        flash("已公开到回音壁。", "success")
        assert case.publication is not None
        return redirect(url_for("wall.detail", publication_id=case.publication.id), code=303)
    return render_template(
        "staff/publication_review.html", case=case, form=form, refuse=ReasonForm(prefix="refuse"),
        withdraw=ReasonForm(prefix="withdraw"), proposal=proposal,
        located=request_for_case(db.session, case.id),
        marked={k: highlighted(getattr(proposal, k))
                for k in ("title", "letter", "reply", "address")},
    ), 400 if form.errors else 200


def _decide(case_id: int, prefix: str, verb: Any, done: str) -> Any:
    case = _case(case_id)
    form = ReasonForm(prefix=prefix)
    if not form.validate_on_submit():
        flash("请填写理由。", "error")
        return redirect(url_for(".review", case_id=case.id), code=303)
    if not committed(lambda: verb(db.session, case, staff_actor(current_user),
                                  form.reason.data)):
        return redirect(url_for(".review", case_id=case.id), code=303)
    flash(done, "success")
    return redirect(url_for(".queue"), code=303)


@bp.route("/<id:case_id>/refuse", methods=["POST"])
@requires(Role.MODERATOR)
def refuse(case_id: int) -> Any:
    """Keep this case off the wall."""
    return _decide(case_id, "refuse", refuse_publication, "已决定不予公开。")


@bp.route("/<id:case_id>/withdraw", methods=["POST"])
@requires(Role.MODERATOR)
def withdraw(case_id: int) -> Any:
    """Take a published case off the wall and out of search at once."""
    return _decide(case_id, "withdraw", withdraw_publication, "已撤回，回音壁和搜索中不再显示。")
