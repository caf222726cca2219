"""The staff verbs of the one-stop workflow: accept, assign, answer, reply, follow up …

Each verb applies its transition through ``services.perform`` (status, audit event),
then sets the facts that belong to it and queues the mail it causes, all in the
caller's transaction. None of them commits.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from sqlalchemy.orm import Session

from portal.auth.models import StaffUser
from portal.clock import local_today
from portal.db import utcnow
from portal.notify.outbox import queue_mail
from portal.privacy.whistleblower import hidden_from, masked
from portal.urls import external_url

from .deadlines import due_date, working_days_for
from .limits import (
    ADOPTION_MISSING,
    ANSWER_QUALITY,
    ANSWER_QUALITY_INVALID,
    ANSWER_QUALITY_NO_ANSWER,
    DEADLINE_DAYS,
    DECLINE_REASON_MISSING,
    DECLINE_REASONS,
    EXTENSION_DAYS,
)
from .models import Case, CaseEvent, Category, CoHandling, Department, ExtensionRequest
from .services import Submission, perform, submit_case
from .tracking import follow_up_serializer, tracking_link_url
from .workflow import (
    Action,
    Actor,
    Adoption,
    ExtensionStatus,
    Satisfaction,
    Status,
    TransitionRefused,
)


def mail_citizen(session: Session, case: Case, subject: str, paragraphs: list[str],
                 link: str | None = None, link_text: str = "查看办理进度",
                 greeting: str | None = None,
                 choices: list[tuple[str, str]] | None = None) -> None:
    """Queue a notice to the citizen, if they gave an e-mail address; ``greeting`` is how
    they are addressed (尊敬的…), else plain 您好; ``choices``: (label, link) answers."""
    if case.contact and case.contact.email:
        queue_mail(session, recipient=case.contact.email, subject=subject, template="notice",
                   case_id=case.id, paragraphs=paragraphs, link=link, link_text=link_text,
                   greeting=greeting, choices=choices or [])


def _mail_department(session: Session, department: Department | None, case: Case,
                     subject: str, paragraphs: list[str]) -> None:
    if department is not None and department.email:
        if hidden_from(case, department.id):  # the unit complained about: no names
            subject = masked(subject, case)
            paragraphs = [masked(p, case) for p in paragraphs]
        queue_mail(session, recipient=department.email, subject=subject, template="notice",
                   case_id=case.id, paragraphs=paragraphs,
                   link=external_url("staff_cases.show", case_id=case.id), link_text="办理该件")


def accept_case(session: Session, case: Case, actor: Actor,
                category: Category | None = None) -> CaseEvent:
    """受理: the accepting operator becomes the owner (首问首办), and may set the category
    the citizen left out (no category existed yet) or chose wrongly."""
    changed = category is not None and category.id != case.category_id
    event = perform(session, case, Action.ACCEPT, actor,
                    note=f"问题类别：{category.name}" if changed and category else None)
    case.owner_id = actor.staff_id
    if category is not None:
        case.category = category
    return event


def release_case(session: Session, case: Case, actor: Actor) -> CaseEvent:
    """确认为新诉求: a held letter is a matter of its own after all; it waits for acceptance
    like any other, and whoever accepts it owns it."""
    return perform(session, case, Action.RELEASE, actor)


def decline_case(session: Session, case: Case, actor: Actor, reason: str, detail: str
                 ) -> CaseEvent:
    """不予受理, with a reason from the list; the citizen is told why."""
    if reason not in DECLINE_REASONS:
        raise TransitionRefused(DECLINE_REASON_MISSING)
    note = f"{reason}：{detail}" if detail else reason
    event = perform(session, case, Action.DECLINE, actor, note=note)
    case.owner_id = actor.staff_id
    mail_citizen(session, case, f"您的诉求未予受理（{case.tracking_code}）",
                 [f"您提交的“{case.title}”经审核不予受理。", f"理由：{note}",
                  "如有疑问，请拨打 12345 热线咨询。"], tracking_link_url(case.tracking_code))
    return event


def _set_handlers(case: Case, lead: Department, co_departments: Iterable[Department]) -> None:
    case.department = lead
    case.co_handlings = [CoHandling(department=d) for d in co_departments if d.id != lead.id]


def _start_clock(session: Session, case: Case, days: int | None) -> None:
    case.due_on = due_date(session, local_today(), days or working_days_for(case.kind))
    case.overdue_notified_on = None
    case.escalated_at = None


def _notify_assignment(session: Session, case: Case, verb: str) -> None:
    paragraphs = [f"{verb}诉求“{case.title}”（{case.tracking_code}），请于 {case.due_on} 前办结答复。"]
    _mail_department(session, case.department, case, f"【{verb}】{case.title}", paragraphs)
    for co in case.co_handlings:
        _mail_department(session, co.department, case, f"【协办】{case.title}",
                         [f"请协助办理诉求“{case.title}”，并在系统中提出协办意见。"])


def assign_case(session: Session, case: Case, actor: Actor, lead: Department,
                co_departments: Iterable[Department] = (), days: int | None = None,
                note: str | None = None, subject: Department | None = None) -> CaseEvent:
    """交办 to a lead department (主办) and co-handlers (协办), with a working-day deadline;
    ``subject`` is the department the letter complains about (its staff see no identity)."""
    if days is not None:
        DEADLINE_DAYS.check(days)
    event = perform(session, case, Action.ASSIGN, actor, note=note)
    _set_handlers(case, lead, co_departments)
    case.subject_department = subject
    _start_clock(session, case, days)
    event.department_id = lead.id
    _notify_assignment(session, case, "交办")
    return event


def transfer_case(session: Session, case: Case, actor: Actor, lead: Department,
                  note: str | None = None) -> CaseEvent:
    """转办 to another lead department; its deadline starts afresh."""
    if lead.id == case.department_id:
        raise TransitionRefused("请选择另一个承办单位")
    event = perform(session, case, Action.TRANSFER, actor, note=note)
    case.department = lead  # co-handlers stay, with their opinions
    case.co_handlings = [c for c in case.co_handlings if c.department_id != lead.id]
    _start_clock(session, case, None)
    event.department_id = lead.id
    _notify_assignment(session, case, "转办")
    return event


def return_case(session: Session, case: Case, actor: Actor, reason: str) -> CaseEvent:
    """退回: the lead department says the case is not theirs; the owner reviews it."""
    event = perform(session, case, Action.RETURN, actor, note=reason)
    case.department = None  # the relationship, not the id: a later assign to it must stick
    case.co_handlings = []
    case.due_on = None
    return event


def add_opinion(session: Session, case: Case, actor: Actor, opinion: str) -> CaseEvent:
    """协办意见 from a co-handling department."""
    event = perform(session, case, Action.OPINION, actor, note=opinion)
    for co in case.co_handlings:
        if co.department_id == actor.department_id:
            co.opinion, co.opinion_at = opinion, utcnow()
    return event


def answer_case(session: Session, case: Case, actor: Actor, answer: str,
                adoption: Adoption | None = None) -> CaseEvent:
    """办理答复 by the lead department; suggestions need the adoption outcome."""
    if case.is_suggestion and adoption is None:
        raise TransitionRefused(ADOPTION_MISSING)
    event = perform(session, case, Action.ANSWER, actor)
    event.due_on = case.due_on  # the deadline in force, which a reopen or transfer replaces
    case.answer, case.answered_at = answer, utcnow()
    case.adoption = event.adoption = adoption if case.is_suggestion else None
    return event


def _mark_answer(event: CaseEvent, quality: int | None) -> None:
    """Record the owner's mark (1–5) for the department's answer under review."""
    if quality is None:
        return
    if quality not in ANSWER_QUALITY:
        raise TransitionRefused(ANSWER_QUALITY_INVALID)
    if event.from_status is not Status.ANSWERED:
        raise TransitionRefused(ANSWER_QUALITY_NO_ANSWER)
    event.answer_quality = quality


def send_back_answer(session: Session, case: Case, actor: Actor, reason: str,
                     quality: int | None = None) -> CaseEvent:
    """退回重办: the owner is not satisfied with the department's answer, and may mark it."""
    event = perform(session, case, Action.SEND_BACK, actor, note=reason)
    _mark_answer(event, quality)
    _mail_department(session, case.department, case, f"【退回重办】{case.title}",
                     [f"诉求“{case.title}”的答复被退回，意见：{reason}"])
    return event


def reply_case(session: Session, case: Case, actor: Actor, reply: str,
               quality: int | None = None) -> CaseEvent:
    """反馈: the owner sends the reply; the citizen gets it with a one-use survey link.
    Approving a department's answer, the owner may mark it (``quality`` 1–5)."""
    event = perform(session, case, Action.REPLY, actor)
    _mark_answer(event, quality)
    case.reply, case.replied_at = reply, utcnow()
    case.follow_up_nonce = secrets.token_hex(16)
    for member in [case, *case.merged]:
        if member is not case:
            member.reply, member.replied_at = reply, case.replied_at
        rates = member is case
        mail_citizen(
            session, member, f"您的诉求已答复（{member.tracking_code}）",
            [f"您提交的“{member.title}”已有答复：", reply]
            + (["您对办理结果是否满意？请点击下方一项评价，您的评价将用于考核承办单位。"]
               if rates else []),
            tracking_link_url(member.tracking_code),
            choices=[(s.label, external_url("cases.follow_up", token=follow_up_token(case, s)))
                     for s in Satisfaction] if rates else None,
        )
    return event


def follow_up_token(case: Case, satisfaction: Satisfaction) -> str:
    """The signed one-use link that answers ``satisfaction`` for ``case``."""
    return follow_up_serializer().dumps([case.id, case.follow_up_nonce, satisfaction.value])


def record_follow_up(session: Session, case: Case, actor: Actor, satisfaction: Satisfaction,
                     note: str | None = None) -> CaseEvent:
    """回访: the citizen's verdict, from the survey link or the operator's call."""
    event = perform(session, case, Action.FOLLOW_UP, actor,
                    note=f"{satisfaction.label}{'：' + note if note else ''}")
    event.satisfaction = case.satisfaction = satisfaction
    case.followed_up_at = case.closed_at = utcnow()
    case.follow_up_nonce = None
    return event


def close_case(session: Session, case: Case, actor: Actor, note: str | None = None
               ) -> CaseEvent:
    """办结 without a follow-up answer (by the owner, or by the system after the wait)."""
    event = perform(session, case, Action.CLOSE, actor, note=note)
    case.closed_at = utcnow()
    case.follow_up_nonce = None
    return event


def reopen_case(session: Session, case: Case, actor: Actor, note: str) -> CaseEvent:
    """重办: an unsatisfied case goes back to its department with a fresh deadline."""
    event = perform(session, case, Action.REOPEN, actor, note=note)
    case.reopen_count += 1
    case.satisfaction = None
    case.closed_at = case.explained_at = None
    _start_clock(session, case, None)
    _notify_assignment(session, case, "重办")
    return event


def explain_case(session: Session, case: Case, actor: Actor, explanation: str) -> CaseEvent:
    """解释说明: the owner answers an unsatisfied rating by explaining why the case stays
    closed; the citizen gets the explanation, and the rating stays as given."""
    event = perform(session, case, Action.EXPLAIN, actor, note=explanation)
    case.explained_at = utcnow()
    mail_citizen(session, case, f"关于您对诉求办理结果的评价（{case.tracking_code}）",
                 [f"您对“{case.title}”的办理结果表示不满意，经核实，现说明如下：", explanation,
                  "如仍有疑问，请拨打 12345 热线。"], tracking_link_url(case.tracking_code))
    return event


def urge_case(session: Session, case: Case, actor: Actor, note: str) -> CaseEvent:
    """催办: remind the lead department."""
    event = perform(session, case, Action.URGE, actor, note=note)
    _mail_department(session, case.department, case, f"【催办】{case.title}",
                     [f"请抓紧办理诉求“{case.title}”，办理时限为 {case.due_on}。", note])
    return event


def request_extension(session: Session, case: Case, actor: Actor, days: int, reason: str
                      ) -> CaseEvent:
    """申请延期 by the lead department."""
    EXTENSION_DAYS.check(days)
    event = perform(session, case, Action.REQUEST_EXTENSION, actor,
                    note=f"申请延期 {days} 个工作日：{reason}")
    assert actor.staff_id is not None
    case.extensions.append(ExtensionRequest(days=days, reason=reason,
                                            requested_by_id=actor.staff_id))
    return event


def decide_extension(session: Session, case: Case, actor: Actor, approve: bool,
                     note: str | None = None) -> CaseEvent:
    """审批延期: a supervisor approves (the deadline moves) or refuses."""
    pending = case.pending_extension
    event = perform(session, case, Action.DECIDE_EXTENSION, actor,
                    note=f"{'同意' if approve else '不同意'}延期{'：' + note if note else ''}")
    assert pending is not None
    pending.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
    pending.decided_by_id, pending.decided_at = actor.staff_id, utcnow()
    if approve and case.due_on is not None:
        case.due_on = due_date(session, case.due_on, pending.days)
        case.overdue_notified_on = None
        case.escalated_at = None
    return event


def merge_case(session: Session, case: Case, into: Case, actor: Actor) -> CaseEvent:
    """并案: a duplicate joins another case and will receive its reply."""
    if into.id == case.id or into.merged_into_id is not None or into.status in (
            Status.DECLINED, Status.CLOSED):
        raise TransitionRefused("只能并入另一件正在办理的诉求")
    event = perform(session, case, Action.MERGE, actor, note=f"并入 {into.tracking_code}")
    case.merged_into = into
    case.closed_at = utcnow()
    if case.owner_id is None:
        case.owner_id = actor.staff_id
    return event


def add_note(session: Session, case: Case, actor: Actor, text: str) -> CaseEvent:
    """内部备注: visible to staff only."""
    return perform(session, case, Action.NOTE, actor, note=text)


def staff_actor(user: StaffUser) -> Actor:
    """The workflow's view of a signed-in staff member."""
    roles = user.roles
    main = next(iter(sorted(roles, key=lambda r: r.value)), None)
    assert main is not None, "a staff account without roles cannot act"
    return Actor(main, roles, staff_id=user.id, department_id=user.department_id)


def intake_case(session: Session, submission: Submission, actor: Actor,
                on_spot_reply: str | None = None) -> Case:
    """Staff intake (12345, community events, meetings): the operator accepts at once,
    and a consultation answered on the phone goes straight to replied."""
    case = submit_case(session, submission, actor)
    accept_case(session, case, actor)
    if on_spot_reply:
        reply_case(session, case, actor, on_spot_reply)
    return case
