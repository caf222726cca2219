"""What each workflow action needs in the back office: its form and the verb it calls."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import flash
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms.validators import DataRequired

from portal.auth.models import StaffRole, StaffUser
from portal.cases import handling as h
from portal.cases.limits import ADOPTION_MISSING
from portal.cases.models import Case, Category, Department
from portal.cases.queries import active_categories, case_by_tracking_code
from portal.cases.workflow import (
    Action,
    Actor,
    Adoption,
    Role,
    Satisfaction,
    Status,
    TransitionRefused,
)
from portal.db import db
from portal.privacy.fields import Field

from . import forms as f
from .identity import for_viewer


def committed(work: Callable[[], object]) -> bool:
    """Run a workflow service and commit. A refused transition rolls everything back and
    its reason is flashed to the staff member; False then."""
    try:
        work()
        db.session.commit()
    except TransitionRefused as refused:
        db.session.rollback()
        flash(refused.reason, "error")
        return False
    return True


def department_choices(session: Session) -> list[tuple[int, str]]:
    rows = session.execute(
        select(Department.id, Department.name).where(Department.is_active.is_(True))
        .order_by(Department.id)
    ).all()
    return [(r.id, r.name) for r in rows]


def operator_choices(session: Session, but: StaffUser) -> list[tuple[int, str]]:
    """The active operators who could take over ``but``'s cases."""
    rows = session.scalars(
        select(StaffUser).join(StaffRole).where(
            StaffRole.role == Role.OPERATOR, StaffUser.is_active.is_(True),
            StaffUser.id != but.id).order_by(StaffUser.id)).all()
    return [(u.id, f"{u.display_name}（{u.username}）") for u in rows]


def _department(session: Session, department_id: int) -> Department:
    department = session.get(Department, department_id)
    if department is None:
        raise TransitionRefused("承办单位不存在")
    return department


def _prepare_accept(form: Any, session: Session, case: Case) -> None:
    f.set_choices(form.category, active_categories(session), "（未设定）")
    if not form.is_submitted():
        form.category.data = case.category_id


def _accept(s: Session, c: Case, a: Actor, form: Any) -> None:
    category = s.get(Category, form.category.data) if form.category.data else None
    if form.category.data and (category is None or not category.is_active):
        raise TransitionRefused("问题类别不存在或已停用")
    h.accept_case(s, c, a, category)


def _prepare_assign(form: Any, session: Session, case: Case) -> None:
    choices = department_choices(session)
    f.set_choices(form.department, choices, "请选择")
    form.co_departments.choices = choices
    f.set_choices(form.subject_department, choices, "无")


def _prepare_transfer(form: Any, session: Session, case: Case) -> None:
    f.set_choices(form.department, [c for c in department_choices(session)
                                    if c[0] != case.department_id], "请选择")


def _prepare_answer(form: Any, session: Session, case: Case) -> None:
    if case.is_suggestion:  # refused beside the field, with the answer kept
        form.adoption.validators = [DataRequired(ADOPTION_MISSING)]
        form.adoption.flags.required = True


def _prepare_reply(form: Any, session: Session, case: Case) -> None:
    if case.status is not Status.ANSWERED:  # replied on the spot: no department's answer to mark
        del form.quality
    if form.reply.data is None:  # a fresh form starts from the department's answer
        form.reply.data = for_viewer(case.answer, case, Field.REPLY) or ""


def _assign(s: Session, c: Case, a: Actor, form: Any) -> None:
    h.assign_case(s, c, a, _department(s, form.department.data),
                  [_department(s, d) for d in form.co_departments.data or []],
                  form.days.data, form.note.data or None,
                  _department(s, form.subject_department.data)
                  if form.subject_department.data else None)


def _merge(s: Session, c: Case, a: Actor, form: Any) -> None:
    into = case_by_tracking_code(s, form.into.data)
    if into is None:
        raise TransitionRefused("没有找到该受理编号的诉求")
    h.merge_case(s, c, into, a)


@dataclass(frozen=True)
class ActionSpec:
    action: Action
    form: type[FlaskForm]
    run: Callable[[Session, Case, Actor, Any], Any]
    button: str
    prepare: Callable[[Any, Session, Case], None] | None = None
    primary: bool = False


SPECS: dict[Action, ActionSpec] = {s.action: s for s in (
    ActionSpec(Action.ACCEPT, f.AcceptForm, _accept, "受理（由我负责到底）", _prepare_accept,
               primary=True),
    ActionSpec(Action.RELEASE, f.ConfirmForm, lambda s, c, a, _: h.release_case(s, c, a),
               "确认为新诉求（转入待受理）"),
    ActionSpec(Action.DECLINE, f.DeclineForm,
               lambda s, c, a, form: h.decline_case(s, c, a, form.reason.data,
                                                    form.detail.data), "不予受理"),
    ActionSpec(Action.MERGE, f.MergeForm, _merge, "并案"),
    ActionSpec(Action.ASSIGN, f.AssignForm, _assign, "交办", _prepare_assign, primary=True),
    ActionSpec(Action.TRANSFER, f.TransferForm,
               lambda s, c, a, form: h.transfer_case(s, c, a, _department(s, form.department.data),
                                                     form.note.data), "转办", _prepare_transfer),
    ActionSpec(Action.RETURN, f.ReasonForm,
               lambda s, c, a, form: h.return_case(s, c, a, form.reason.data), "退回（非本单位职责）"),
    ActionSpec(Action.OPINION, f.OpinionForm,
               lambda s, c, a, form: h.add_opinion(s, c, a, form.opinion.data), "提交协办意见",
               primary=True),
    ActionSpec(Action.ANSWER, f.AnswerForm,
               lambda s, c, a, form: h.answer_case(
                   s, c, a, form.answer.data,
                   Adoption(form.adoption.data) if form.adoption.data else None),
               "提交答复", _prepare_answer, primary=True),
    ActionSpec(Action.SEND_BACK, f.SendBackForm,
               lambda s, c, a, form: h.send_back_answer(s, c, a, form.reason.data,
                                                        form.quality.data), "退回重办"),
    ActionSpec(Action.REPLY, f.ReplyForm,
               lambda s, c, a, form: h.reply_case(s, c, a, form.reply.data,
                                                  form.quality.data if "quality" in form else None),
               "审核通过并答复市民",
               _prepare_reply, primary=True),
    ActionSpec(Action.FOLLOW_UP, f.FollowUpForm,
               lambda s, c, a, form: h.record_follow_up(
                   s, c, a, Satisfaction(form.satisfaction.data), form.note.data or None),
               "记录回访结果", primary=True),
    ActionSpec(Action.CLOSE, f.NoteForm,
               lambda s, c, a, form: h.close_case(s, c, a, form.note.data or None), "办结"),
    ActionSpec(Action.REOPEN, f.RequiredNoteForm,
               lambda s, c, a, form: h.reopen_case(s, c, a, form.note.data), "重办"),
    ActionSpec(Action.EXPLAIN, f.ExplanationForm,
               lambda s, c, a, form: h.explain_case(s, c, a, form.note.data), "解释说明并办结"),
    ActionSpec(Action.URGE, f.RequiredNoteForm,
               lambda s, c, a, form: h.urge_case(s, c, a, form.note.data), "催办"),
    ActionSpec(Action.REQUEST_EXTENSION, f.ExtensionRequestForm,
               lambda s, c, a, form: h.request_extension(s, c, a, form.days.data,
                                                         form.reason.data), "申请延期"),
    ActionSpec(Action.DECIDE_EXTENSION, f.ExtensionDecisionForm,
               lambda s, c, a, form: h.decide_extension(
                   s, c, a, form.decision.data == "approve", form.note.data or None), "审批延期"),
    ActionSpec(Action.NOTE, f.RequiredNoteForm,
               lambda s, c, a, form: h.add_note(s, c, a, form.note.data), "添加内部备注"),
)}


def build_form(spec: ActionSpec, session: Session, case: Case, **kwargs: Any) -> FlaskForm:
    form = spec.form(prefix=spec.action.value, **kwargs)
    if spec.prepare is not None:
        spec.prepare(form, session, case)
    return form
