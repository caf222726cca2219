"""The case page of the back office and the workflow actions posted from it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from portal.auth.events import record_security_event
from portal.cases.attachments import attachment_root
from portal.cases.deadlines import missing_schedule_warning, working_days_left
from portal.cases.duplicates import SIMILAR_WINDOW_DAYS
from portal.cases.handling import staff_actor
from portal.cases.models import Attachment, CannedReply, Case, CaseEvent
from portal.cases.workflow import Action, Role, Status, allowed_actions
from portal.clock import local_today
from portal.csvexport import csv_response
from portal.db import db
from portal.privacy.fields import Field
from portal.wall.models import Publication
from portal.wall.search import related_replies

from .actions import SPECS, build_form, committed
from .guard import protect
from .identity import contact_for_viewer, for_viewer, viewer_fields
from .queries import case_for_staff, copies_before, possible_duplicates

bp = protect(Blueprint("staff_cases", __name__, url_prefix="/staff/cases"))

AUDIT_COLUMNS = ["时间", "诉求", "操作", "原状态", "新状态", "操作人", "角色", "承办单位",
                 "说明", "IP", "请求编号"]


def _load(case_id: int) -> Case:
    case = case_for_staff(db.session, current_user, case_id)
    if case is None:
        abort(404)  # not "forbidden": another department's case ids reveal nothing
    return case


def _similar_replies(case: Case) -> list[Publication]:
    """Public replies like this letter, as the viewer reads it: which replies match tells
    what the letter holds."""
    letter = for_viewer(case.content, case, Field.LETTER) or ""
    return related_replies(f"{for_viewer(case.title, case, Field.LETTER)} {letter[:200]}")


def _render(case: Case, failed: tuple[Action, Any] | None = None, status: int = 200) -> Any:
    """The case page, with the fields the viewer may see; showing contact data is logged."""
    contact = contact_for_viewer(case)
    db.session.commit()
    actor = staff_actor(current_user)
    actions = [a for a in allowed_actions(case, actor) if a in SPECS]
    forms = {a: build_form(SPECS[a], db.session, case, formdata=None) for a in actions}
    if failed is not None:
        forms[failed[0]] = failed[1]
    today = local_today()
    answering = Action.REPLY in actions or Action.ANSWER in actions
    canned = db.session.scalars(
        select(CannedReply).where(CannedReply.is_active.is_(True),
                                  (CannedReply.category_id == case.category_id)
                                  | CannedReply.category_id.is_(None))
    ).all() if answering else []
    return render_template(
        "staff/case.html", case=case, fields=viewer_fields(case), contact=contact,
        forms=forms, specs=SPECS, canned=canned,
        knowledge=_similar_replies(case) if answering else [],
        copies=copies_before(db.session, current_user, case)
        if case.status is Status.HELD else None,
        duplicates=possible_duplicates(db.session, current_user, case)
        if Action.MERGE in forms else [], merge_form=forms.get(Action.MERGE),
        duplicate_window=SIMILAR_WINDOW_DAYS,
        days_left=working_days_left(db.session, today, case.due_on) if case.due_on else None,
        overdue=case.is_overdue(today), warning=missing_schedule_warning(db.session, today),
    ), status


@bp.route("/<id:case_id>")
def show(case_id: int) -> Any:
    """Show a case with its letter, contact data, timeline and the actions allowed now."""
    case = _load(case_id)
    record_security_event("view_case", user=current_user, object_type="case", object_id=case.id)
    return _render(case)


@bp.route("/<id:case_id>/act/<action>", methods=["POST"])
def act(case_id: int, action: str) -> Any:
    """Take one workflow action on a case, if this staff member may take it now."""
    case = _load(case_id)
    try:
        spec = SPECS[Action(action)]
    except ValueError:
        abort(404)
    except KeyError:
        abort(404)
    form = build_form(spec, db.session, case)
    if not form.validate_on_submit():
        return _render(case, (spec.action, form), 400)
    if not committed(lambda: spec.run(db.session, case, staff_actor(current_user), form)):
        return redirect(url_for(".show", case_id=case_id), code=303)
    flash(f"已{spec.action.label}。", "success")
    if case_for_staff(db.session, current_user, case_id) is None:  # e.g. returned elsewhere
        return redirect(url_for("queues.index"), code=303)
    return redirect(url_for(".show", case_id=case_id), code=303)


@bp.route("/<id:case_id>/attachments/<id:attachment_id>")
def attachment(case_id: int, attachment_id: int) -> Response:
    """Download a citizen's attachment, only for staff who may see the case."""
    case = _load(case_id)
    item = db.session.scalar(select(Attachment).where(Attachment.id == attachment_id,
                                                      Attachment.case_id == case.id))
    if item is None or Field.ATTACHMENTS not in viewer_fields(case):
        abort(404)
    path = attachment_root() / item.storage_key
    if not Path(path).is_file():
        abort(404)
    record_security_event("download_attachment", user=current_user, object_type="attachment",
                          object_id=item.id)
    db.session.commit()
    return send_file(path, mimetype=item.content_type, as_attachment=True,
                     download_name=item.filename)


def audit_csv(events: list[CaseEvent], filename: str) -> Response:
    """The audit trail of the cases whose trail the viewer may see, as CSV (rows built
    now, while the request's session is open)."""
    rows = []
    for e in events:
        fields = viewer_fields(e.case)
        if Field.AUDIT_TRAIL not in fields:
            continue
        hide_ip = e.actor_role == Role.CITIZEN and Field.CITIZEN_IP not in fields
        rows.append([
            e.created_at.isoformat(), e.case.tracking_code, e.action.label,
            e.from_status.label if e.from_status else "", e.to_status.label,
            e.actor.display_name if e.actor else e.actor_role.label, e.actor_role.label,
            e.department.name if e.department else "",
            for_viewer(e.note, e.case, Field.NOTES) or "",
            "" if hide_ip else e.ip_address or "", e.request_id or "",
        ])
    return csv_response(AUDIT_COLUMNS, rows, filename)


@bp.route("/<id:case_id>/audit.csv")
def case_audit(case_id: int) -> Response:
    """Export one case's audit trail."""
    case = _load(case_id)
    record_security_event("export_audit", user=current_user, object_type="case",
                          object_id=case.id)
    db.session.commit()
    return audit_csv(list(case.events), f"audit-case-{case.id}.csv")
