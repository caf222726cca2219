"""The moderator's desk: review the proposed redaction, publish, refuse; change what is
already public (edit, withdraw, republish) with four eyes; the history of every version."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict
from difflib import SequenceMatcher
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from portal.auth.access import requires
from portal.cases.handling import staff_actor
from portal.cases.models import Case, CaseEvent
from portal.cases.workflow import Action, Actor, Role, Status, allowed_actions
from portal.db import db
from portal.forms import PortalForm, block_field, line_field
from portal.open311.queries import request_for_case
from portal.pagination import paginate
from portal.privacy.redact import Redaction
from portal.wall.models import (
    PUBLIC_FIELDS,
    TEXT_FIELDS,
    ChangeProposal,
    Publication,
    PublicText,
)
from portal.wall.services import (
    approve_change,
    edit_publication,
    propose,
    publish_case,
    refuse_publication,
    reject_change,
    republish_case,
    withdraw_publication,
)

from .actions import committed
from .forms import ConfirmForm
from .guard import protect

bp = protect(Blueprint("moderation", __name__, url_prefix="/staff/publication"))

# Longer changed stretches are shown deleted and inserted whole, not character by
# character: comparing characters costs the product of the two lengths.
CHARACTER_DIFF_MAX = 4000


class PublishForm(PortalForm):
    title = line_field("公开标题", min_=4, max_=100)
    letter = block_field("公开来信", min_=10, max_=20000)
    reply = block_field("公开答复", min_=10, max_=20000)
    address = line_field("公开地点", max_=200, need=False,
                         description="留空则地点（及开放接口提交的经纬度）不公开")


class ChangeForm(PublishForm):
    reason = block_field("变更理由", max_=500, description="记入公开历史，并告知来信人")


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


def _marked(old: Sequence[str], new: Sequence[str], by_character: bool) -> Iterator[Markup]:
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        before, after = "".join(old[i1:i2]), "".join(new[j1:j2])
        if tag == "equal":
            yield escape(before)
        elif tag == "replace" and not by_character and (
                len(before) + len(after) <= CHARACTER_DIFF_MAX):
            yield from _marked(before, after, by_character=True)
        else:
            if before:
                yield Markup("<del>{}</del>").format(before)
            if after:
                yield Markup("<ins>{}</ins>").format(after)


def text_diff(old: str, new: str) -> Markup:
    """``old`` becoming ``new``, deletions in <del> and insertions in <ins>, escaped: line
    by line, then character by character within changed lines (Chinese has no spaces to
    split words at)."""
    return Markup("").join(_marked(old.splitlines(keepends=True),
                                   new.splitlines(keepends=True), by_character=False))


def changes(old: Any, new: Any, fields: dict[str, str]) -> list[tuple[str, Markup]]:
    """Each of ``fields`` that differs between two versions, named and marked."""
    return [(label, text_diff(getattr(old, name) or "", getattr(new, name) or ""))
            for name, label in fields.items() if getattr(old, name) != getattr(new, name)]


@bp.route("")
@requires(Role.MODERATOR, Role.ADMIN)
def queue() -> Any:
    """Cases awaiting a first decision, changes awaiting a second pair of eyes, and what
    was published or withdrawn lately."""
    query = (select(Case).where(Case.consent_publish.is_(True),
                                Case.status.in_([Status.REPLIED, Status.CLOSED]),
                                Case.merged_into_id.is_(None), ~_decided())
             .order_by(Case.replied_at.desc()))
    pending = (select(ChangeProposal).where(ChangeProposal.decided_at.is_(None))
               .order_by(ChangeProposal.proposed_at))
    published = (select(Case).join(Publication).where(Publication.is_public)
                 .order_by(Publication.published_at.desc()).limit(20))
    withdrawn = (select(Case).join(Publication).where(~Publication.is_public)
                 .order_by(Publication.withdrawn_at.desc()).limit(20))
    return render_template("staff/publication_queue.html",
                           page=paginate(db.session, query, request.args.get("page", 1, type=int)),
                           pending=db.session.scalars(pending).all(),
                           published=db.session.scalars(published).all(),
                           withdrawn=db.session.scalars(withdrawn).all())


def _case(case_id: int) -> Case:
    case = db.session.scalar(select(Case).where(Case.id == case_id,
                                                Case.consent_publish.is_(True)))
    if case is None or case.status not in (Status.REPLIED, Status.CLOSED):
        abort(404)
    return case


def _review_page(case: Case, **posted: FlaskForm) -> Any:
    """The desk for one case; a form that was posted and refused is shown with its errors
    beside its fields, the others as new."""
    proposal = propose(case)
    pub = case.publication
    texts = asdict(pub.text) if pub else {
        name: getattr(proposal, name).text for name in TEXT_FIELDS}
    forms: dict[str, FlaskForm] = {
        "publish": PublishForm(formdata=None, prefix="publish", data=texts),
        "change": ChangeForm(formdata=None, prefix="change", data=texts),
        "refuse": ReasonForm(formdata=None, prefix="refuse"),
        "withdraw": ReasonForm(formdata=None, prefix="withdraw"),
        "approve": ConfirmForm(formdata=None, prefix="approve"),
        "reject": ReasonForm(formdata=None, prefix="reject"),
        **posted,
    }
    pending = pub.pending_proposal if pub else None
    proposed = pending.text if pending else None  # None: a withdrawal
    versions = pub.versions if pub else []
    history = [(v, changes(before, v, PUBLIC_FIELDS) if before else [])
               for before, v in zip([None, *versions], versions, strict=False)][::-1]
    return render_template(
        "staff/publication_review.html", case=case, forms=forms, proposal=proposal,
        may=set(allowed_actions(case, staff_actor(current_user))), pending=pending,
        pending_changes=changes(pub.text, proposed, TEXT_FIELDS) if pub and proposed else [],
        history=history,
        located=request_for_case(db.session, case.id),
        marked={k: highlighted(getattr(proposal, k)) for k in TEXT_FIELDS},
    ), 400 if any(form.errors for form in posted.values()) else 200


@bp.route("/<id:case_id>", methods=["GET", "POST"])
@requires(Role.MODERATOR, Role.ADMIN)
def review(case_id: int) -> Any:
    """Show the proposed public version with its masks; the first publication."""
    case = _case(case_id)
    if request.method == "GET":
        return _review_page(case)
    form = PublishForm(prefix="publish")
    if form.validate() and committed(lambda: publish_case(
            db.session, case, staff_actor(current_user), title=form.title.data,
            letter=form.letter.data, reply=form.reply.data,
            address=form.address.data or None)):
        flash("已公开到回音壁。", "success")
        assert case.publication is not None
        return redirect(url_for("wall.detail", publication_id=case.publication.id), code=303)
    return _review_page(case, publish=form)


def _applied(case: Case, work: Callable[[], object]) -> Any:
    """Commit a change to what is public, and say whether it is public now or waits for
    a second pair of eyes."""
    if committed(work):
        waiting = case.publication is not None and case.publication.pending_proposal
        flash("已提交，须另一位公开审核员或管理员批准后生效。" if waiting
              else "已生效：回音壁和搜索已更新。", "success")
    return redirect(url_for(".review", case_id=case.id), code=303)


def _changed(case_id: int, verb: Callable[[Session, Case, Actor, PublicText, str], object]
             ) -> Any:
    case = _case(case_id)
    form = ChangeForm(prefix="change")
    if not form.validate():
        return _review_page(case, change=form)
    typed = PublicText(form.title.data, form.letter.data, form.reply.data,
                       form.address.data or None)
    return _applied(case, lambda: verb(db.session, case, staff_actor(current_user), typed,
                                       form.reason.data))


@bp.route("/<id:case_id>/edit", methods=["POST"])
@requires(Role.MODERATOR, Role.ADMIN)
def edit(case_id: int) -> Any:
    """Change the public texts: at once for an admin, else proposed for approval."""
    return _changed(case_id, edit_publication)


@bp.route("/<id:case_id>/republish", methods=["POST"])
@requires(Role.MODERATOR, Role.ADMIN)
def republish(case_id: int) -> Any:
    """Put a withdrawn case back on the wall: at once for an admin, else proposed."""
    return _changed(case_id, republish_case)


@bp.route("/<id:case_id>/withdraw", methods=["POST"])
@requires(Role.MODERATOR, Role.ADMIN)
def withdraw(case_id: int) -> Any:
    """Take a case off the wall and out of search: at once for an admin, else proposed."""
    case = _case(case_id)
    form = ReasonForm(prefix="withdraw")
    if not form.validate():
        return _review_page(case, withdraw=form)
    return _applied(case, lambda: withdraw_publication(
        db.session, case, staff_actor(current_user), form.reason.data))


@bp.route("/<id:case_id>/refuse", methods=["POST"])
@requires(Role.MODERATOR)
def refuse(case_id: int) -> Any:
    """Keep this case off the wall."""
    case = _case(case_id)
    form = ReasonForm(prefix="refuse")
    if not form.validate():
        return _review_page(case, refuse=form)
    if not committed(lambda: refuse_publication(db.session, case, staff_actor(current_user),
                                                form.reason.data)):
        return redirect(url_for(".review", case_id=case.id), code=303)
    flash("已决定不予公开。", "success")
    return redirect(url_for(".queue"), code=303)


def _proposal(proposal_id: int) -> ChangeProposal:
    proposal = db.session.get(ChangeProposal, proposal_id)
    if proposal is None:
        abort(404)
    _case(proposal.publication.case_id)
    return proposal


@bp.route("/proposals/<id:proposal_id>/approve", methods=["POST"])
@requires(Role.MODERATOR, Role.ADMIN)
def approve(proposal_id: int) -> Any:
    """The second pair of eyes: the proposed change is made now."""
    proposal = _proposal(proposal_id)
    case = proposal.publication.case
    if ConfirmForm(prefix="approve").validate() and committed(
            lambda: approve_change(db.session, proposal, staff_actor(current_user))):
        flash("已批准：变更已生效，回音壁和搜索已更新。", "success")
    return redirect(url_for(".review", case_id=case.id), code=303)


@bp.route("/proposals/<id:proposal_id>/reject", methods=["POST"])
@requires(Role.MODERATOR, Role.ADMIN)
def reject(proposal_id: int) -> Any:
    """Drop a proposed change; the wall stays as it is."""
    proposal = _proposal(proposal_id)
    case = proposal.publication.case
    form = ReasonForm(prefix="reject")
    if not form.validate():
        return _review_page(case, reject=form)
    if committed(lambda: reject_change(db.session, proposal, staff_actor(current_user),
                                       form.reason.data)):
        flash("已驳回，公开内容保持不变。", "success")
    return redirect(url_for(".review", case_id=case.id), code=303)
