"""督办: ``flask supervise``, run by cron, through Flask's CLI runner on the test database.

It marks assigned cases past their deadline, mails each department its overdue list,
escalates long-overdue cases to supervisors, closes replied cases nobody rated, and is
idempotent. Time is arranged by moving ``due_on`` and ``replied_at`` in the database;
mail is checked in the outbox and at a real SMTP server.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from portal.auth.models import StaffRole, StaffUser
from portal.cases import handling as h
from portal.cases.deadlines import (
    WorkCalendar,
    acceptance_due_at,
    due_date,
    late_for_acceptance,
    working_days_left,
)
from portal.cases.models import Case, CaseEvent, Department
from portal.cases.services import ContactData, Submission, submit_case
from portal.cases.workflow import Action, Actor, Channel, Kind, Role, Status
from portal.clock import local_today
from portal.db import utcnow
from portal.notify.models import OutboundMail

DAY = dt.timedelta(days=1)


@dataclass
class World:
    zjw: Department  # 市住建委, has an e-mail address
    jtj: Department  # 市交通局, has an e-mail address
    silent: Department  # no e-mail address
    owner: StaffUser
    handler: StaffUser  # of 市住建委
    supervisor: StaffUser

    def actor(self, user: StaffUser) -> Actor:
        return h.staff_actor(user)


def staff(session: Any, username: str, role: Role, email: str | None = None,
          department: Department | None = None, active: bool = True) -> StaffUser:
    user = StaffUser(username=username, display_name=username, password_hash="!", email=email,
                     department=department, is_active=active,
                     role_rows=[StaffRole(role=role)])
    session.add(user)
    return user


@pytest.fixture
def world(session: Any) -> World:
    zjw = Department(name="市住房和城乡建设委员会", email="zjw@city.example")
    jtj = Department(name="市交通运输局", email="jtj@city.example")
    silent = Department(name="市档案馆")
    session.add_all([zjw, jtj, silent])
    owner = staff(session, "sv-owner", Role.OPERATOR, email="owner@city.example")
    handler = staff(session, "sv-handler", Role.HANDLER, email="handler@city.example",
                    department=zjw)
    supervisor = staff(session, "sv-supervisor", Role.SUPERVISOR, email="sup@city.example")
    staff(session, "sv-supervisor-no-mail", Role.SUPERVISOR)
    staff(session, "sv-supervisor-gone", Role.SUPERVISOR, email="gone@city.example",
          active=False)
    session.commit()
    return World(zjw, jtj, silent, owner, handler, supervisor)


def new_case(session: Any, world: World, title: str) -> Case:
    case = submit_case(session, Submission(
        channel=Channel.MAILBOX, kind=Kind.COMPLAINT, title=title,
        content=f"{title}，请有关部门尽快处理。", contact=ContactData(phone="13800138000")),
        Actor.citizen())
    h.accept_case(session, case, world.actor(world.owner))
    return case


def assigned_case(session: Any, world: World, department: Department, due_on: dt.date,
                  title: str) -> Case:
    """A case with ``department`` whose deadline is ``due_on``."""
    case = new_case(session, world, title)
    h.assign_case(session, case, world.actor(world.owner), department)
    session.commit()
    case.due_on = due_on
    session.commit()
    return case


def replied_case(session: Any, world: World, replied_at: dt.datetime, title: str) -> Case:
    case = new_case(session, world, title)
    h.reply_case(session, case, world.actor(world.owner), "已电话答复市民，问题已解决。")
    session.commit()
    case.replied_at = replied_at
    session.commit()
    return case


def late_by(session: Any, working_days: int) -> dt.date:
    """The latest deadline that today is ``working_days`` working days past."""
    today = local_today()
    day = today
    while -working_days_left(session, today, day) < working_days:
        day -= DAY
    return day


def supervise(app: Any) -> str:
    """One cron run: a fresh app context, as a new process would have."""
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["supervise"])
    assert result.exit_code == 0, result.output
    return result.output


def reread(session: Any) -> None:
    session.rollback()
    session.expire_all()


def events(session: Any, case: Case, after: int = 0) -> list[CaseEvent]:
    return list(session.scalars(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.id > after).order_by(CaseEvent.id)))


def last_id(session: Any, model: Any) -> int:
    return session.scalar(select(func.max(model.id))) or 0


def mails_after(session: Any, after: int) -> list[OutboundMail]:
    return list(session.scalars(select(OutboundMail).where(OutboundMail.id > after)
                                .order_by(OutboundMail.id)))


def count(session: Any, model: Any) -> int:
    return session.scalar(select(func.count()).select_from(model))


def assert_system_supervise(event: CaseEvent) -> None:
    assert event.action == Action.SUPERVISE
    assert (event.from_status, event.to_status) == (Status.ASSIGNED, Status.ASSIGNED)
    assert event.actor_role == Role.SYSTEM
    assert event.actor_id is None
    assert not event.is_public


# --- overdue marks and the department's list ----------------------------------------------------

def test_assigned_cases_past_their_deadline_are_marked_and_each_department_mailed_once(
        app, session, smtp, world):
    today = local_today()
    late_a = assigned_case(session, world, world.zjw, today - DAY, "幸福小区电梯停运")
    late_b = assigned_case(session, world, world.zjw, today - 2 * DAY, "和平路积水严重")
    due_today = assigned_case(session, world, world.zjw, today, "光明街路灯不亮")
    no_mail = assigned_case(session, world, world.silent, today - DAY, "档案查询无人答复")
    answered = assigned_case(session, world, world.zjw, today - DAY, "小区违建无人管")
    h.answer_case(session, answered, world.actor(world.handler), "已责令业主限期拆除违建部分。")
    session.commit()
    first_event, first_mail = last_id(session, CaseEvent), last_id(session, OutboundMail)
    smtp.mailbox.clear()

    output = supervise(app)

    reread(session)
    for case in (late_a, late_b, no_mail):
        case = session.get(Case, case.id)
        [event] = events(session, case, first_event)
        assert_system_supervise(event)
        assert str(case.due_on) in event.note
        assert case.overdue_notified_on == today
        assert case.escalated_at is None
        assert case.status == Status.ASSIGNED
    for case in (due_today, answered):
        assert events(session, case, first_event) == []
        assert session.get(Case, case.id).overdue_notified_on is None
    [mail] = mails_after(session, first_mail)
    assert mail.recipient == "zjw@city.example"
    assert "2 件" in mail.subject
    assert late_a.tracking_code in mail.body_text and late_b.tracking_code in mail.body_text
    assert due_today.tracking_code not in mail.body_text
    assert no_mail.tracking_code not in mail.body_text
    assert mail.sent_at is not None
    assert [m["To"] for m in smtp.mailbox.messages] == ["zjw@city.example"]
    assert late_a.tracking_code in smtp.mailbox.body()
    assert "新超期 3 件" in output and "提请督办 0 件" in output


# --- escalation ---------------------------------------------------------------------------------

def test_a_case_overdue_more_than_the_configured_working_days_is_escalated_to_supervisors(
        app, session, smtp, world):
    limit = app.config["ESCALATE_AFTER_OVERDUE_DAYS"]
    at_limit = assigned_case(session, world, world.zjw, late_by(session, limit), "老旧小区漏水")
    beyond = assigned_case(session, world, world.zjw, late_by(session, limit + 1), "工地扬尘污染")
    first_event, first_mail = last_id(session, CaseEvent), last_id(session, OutboundMail)
    smtp.mailbox.clear()

    output = supervise(app)

    reread(session)
    [mark] = events(session, at_limit, first_event)
    assert_system_supervise(mark)
    assert session.get(Case, at_limit.id).escalated_at is None
    mark, escalation = events(session, beyond, first_event)
    assert_system_supervise(mark)
    assert_system_supervise(escalation)
    assert "提请督办员督办" in escalation.note
    assert f"超期 {limit + 1} 个工作日" in escalation.note
    assert session.get(Case, beyond.id).escalated_at is not None

    mails = mails_after(session, first_mail)
    assert sorted(m.recipient for m in mails) == ["sup@city.example", "zjw@city.example"]
    to_supervisor = next(m for m in mails if m.recipient == "sup@city.example")
    assert beyond.tracking_code in to_supervisor.body_text
    assert at_limit.tracking_code not in to_supervisor.body_text
    assert sorted(m["To"] for m in smtp.mailbox.messages) == ["sup@city.example",
                                                              "zjw@city.example"]
    assert "提请督办 1 件" in output


def test_the_escalation_threshold_comes_from_configuration(make_app, session, smtp, world):
    app = make_app(ESCALATE_AFTER_OVERDUE_DAYS=0)
    case = assigned_case(session, world, world.zjw, late_by(session, 1), "公交站台破损")
    first_event = last_id(session, CaseEvent)

    supervise(app)

    reread(session)
    assert len(events(session, case, first_event)) == 2
    assert session.get(Case, case.id).escalated_at is not None


# --- follow-ups nobody answered -----------------------------------------------------------------

def test_replied_cases_older_than_the_follow_up_period_are_closed_by_the_system(app, session,
                                                                                 smtp, world):
    days = app.config["FOLLOW_UP_AUTO_CLOSE_DAYS"]
    now = utcnow()
    stale = replied_case(session, world, now - dt.timedelta(days=days, hours=1), "噪音扰民")
    fresh = replied_case(session, world, now - dt.timedelta(days=days, hours=-1), "井盖缺失")
    first_event, first_mail = last_id(session, CaseEvent), last_id(session, OutboundMail)

    output = supervise(app)

    reread(session)
    closed = session.get(Case, stale.id)
    assert closed.status == Status.CLOSED
    assert closed.closed_at is not None
    assert closed.follow_up_nonce is None
    assert closed.satisfaction is None
    [event] = events(session, closed, first_event)
    assert event.action == Action.CLOSE
    assert (event.from_status, event.to_status) == (Status.REPLIED, Status.CLOSED)
    assert (event.actor_role, event.actor_id) == (Role.SYSTEM, None)
    assert "自动办结" in event.note
    assert session.get(Case, fresh.id).status == Status.REPLIED
    assert events(session, fresh, first_event) == []
    assert mails_after(session, first_mail) == []
    assert "自动办结 1 件" in output


def test_the_follow_up_period_comes_from_configuration(make_app, session, smtp, world):
    app = make_app(FOLLOW_UP_AUTO_CLOSE_DAYS=2)
    case = replied_case(session, world, utcnow() - dt.timedelta(days=3), "占道经营")

    supervise(app)

    reread(session)
    assert session.get(Case, case.id).status == Status.CLOSED


# --- idempotence ---------------------------------------------------------------------------------

def test_running_supervise_twice_sends_nothing_twice_and_adds_no_events(app, session, smtp,
                                                                        world):
    today = local_today()
    assigned_case(session, world, world.zjw, today - DAY, "人行道破损")
    assigned_case(session, world, world.jtj, late_by(session, 10), "红绿灯故障")
    replied_case(session, world, utcnow() - dt.timedelta(days=30), "垃圾清运不及时")
    smtp.mailbox.clear()

    first = supervise(app)
    reread(session)
    after_first = (count(session, CaseEvent), count(session, OutboundMail),
                   len(smtp.mailbox.messages))
    second = supervise(app)
    reread(session)
    after_second = (count(session, CaseEvent), count(session, OutboundMail),
                    len(smtp.mailbox.messages))

    assert "新超期 2 件" in first and "提请督办 1 件" in first and "自动办结 1 件" in first
    assert after_first[2] == 3  # two departments and one supervisor
    assert after_second == after_first
    assert "新超期 0 件，提请督办 0 件，自动办结 0 件，发出提醒邮件 0 封" in second


# --- a new deadline is watched afresh --------------------------------------------------------------

def test_a_transfer_resets_the_marks_and_the_new_department_is_watched(app, session, smtp,
                                                                        world):
    case = assigned_case(session, world, world.zjw, late_by(session, 10), "路边停车收费争议")
    supervise(app)
    reread(session)
    case = session.get(Case, case.id)
    assert case.overdue_notified_on is not None and case.escalated_at is not None

    h.transfer_case(session, case, world.actor(world.owner), world.jtj, "属交通部门职责")
    session.commit()
    reread(session)
    case = session.get(Case, case.id)
    assert (case.overdue_notified_on, case.escalated_at) == (None, None)
    assert case.due_on > local_today()

    case.due_on = late_by(session, 10)
    session.commit()
    first_event, first_mail = last_id(session, CaseEvent), last_id(session, OutboundMail)
    supervise(app)

    reread(session)
    assert len(events(session, case, first_event)) == 2  # marked and escalated again
    assert sorted(m.recipient for m in mails_after(session, first_mail)) == [
        "jtj@city.example", "sup@city.example"]


def test_an_approved_extension_resets_the_marks(app, session, smtp, world):
    old_due = late_by(session, 10)
    case = assigned_case(session, world, world.zjw, old_due, "小区供暖温度不达标")
    supervise(app)
    reread(session)
    case = session.get(Case, case.id)
    h.request_extension(session, case, world.actor(world.handler), 3, "需要协调热力公司检修")
    h.decide_extension(session, case, world.actor(world.supervisor), approve=True)
    session.commit()

    reread(session)
    case = session.get(Case, case.id)
    assert case.due_on == due_date(session, old_due, 3)
    assert case.overdue_notified_on is None
    assert case.escalated_at is None

    first_event, first_mail = last_id(session, CaseEvent), last_id(session, OutboundMail)
    supervise(app)  # the extended deadline has passed too, by more than the limit

    reread(session)
    assert len(events(session, case, first_event)) == 2
    assert sorted(m.recipient for m in mails_after(session, first_mail)) == [
        "sup@city.example", "zjw@city.example"]


def test_a_refused_extension_keeps_the_marks_so_nothing_is_sent_again(app, session, smtp,
                                                                       world):
    case = assigned_case(session, world, world.zjw, late_by(session, 10), "菜市场油烟扰民")
    supervise(app)
    reread(session)
    case = session.get(Case, case.id)
    marks = (case.due_on, case.overdue_notified_on, case.escalated_at)
    h.request_extension(session, case, world.actor(world.handler), 3, "需要现场勘查")
    h.decide_extension(session, case, world.actor(world.supervisor), approve=False)
    session.commit()
    first_event, first_mail = last_id(session, CaseEvent), last_id(session, OutboundMail)

    supervise(app)

    reread(session)
    case = session.get(Case, case.id)
    assert (case.due_on, case.overdue_notified_on, case.escalated_at) == marks
    assert events(session, case, first_event) == []
    assert mails_after(session, first_mail) == []


# --- the acceptance deadline: 受理 within 1 working day ------------------------------------------

def waiting_case(session: Any, title: str, late: bool, held: bool = False) -> Case:
    """A submission still waiting for acceptance, its deadline passed or not."""
    case = submit_case(session, Submission(
        channel=Channel.SUGGESTION, kind=Kind.SUGGESTION, title=title,
        content=f"{title}，建议有关部门研究。", contact=ContactData(phone="13800138000")),
        Actor.citizen())
    if held:
        h.perform(session, case, Action.HOLD, Actor.system())
    if late:
        case.accept_due_at = utcnow() - DAY
    session.commit()
    return case


def test_the_acceptance_deadline_ends_with_the_first_working_day_after_arrival():
    zone = ZoneInfo("Asia/Shanghai")
    monday_off = WorkCalendar({dt.date(2026, 11, 16): False})
    cases = {  # arrival (city time) → the city's midnight from which acceptance is late
        dt.datetime(2026, 11, 12, 9, 0, tzinfo=zone): dt.datetime(2026, 11, 14, tzinfo=zone),
        dt.datetime(2026, 11, 13, 23, 59, tzinfo=zone): dt.datetime(2026, 11, 18, tzinfo=zone),
        dt.datetime(2026, 11, 14, 0, 30, tzinfo=zone): dt.datetime(2026, 11, 18, tzinfo=zone),
    }
    for arrival, late_from in cases.items():
        due = acceptance_due_at(monday_off, arrival.astimezone(dt.UTC), zone)
        assert due == late_from and due.tzinfo == dt.UTC, arrival


def test_a_submission_gets_its_acceptance_deadline_when_it_arrives(app, session):
    case = waiting_case(session, "建议增设公交线路", late=False)
    assert case.accept_due_at is not None
    assert case.accept_due_at > case.submitted_at + dt.timedelta(hours=1)
    assert case.accept_due_at <= case.submitted_at + dt.timedelta(days=12)


def test_submissions_waiting_past_the_deadline_are_reminded_to_operators_once(
        app, session, smtp, world):
    late = waiting_case(session, "建议延长图书馆开放时间", late=True)
    held = waiting_case(session, "建议增加社区健身器材", late=True, held=True)
    fresh = waiting_case(session, "建议完善垃圾分类设施", late=False)
    first_event, first_mail = last_id(session, CaseEvent), last_id(session, OutboundMail)
    smtp.mailbox.clear()

    output = supervise(app)

    reread(session)
    for case, status in ((late, Status.SUBMITTED), (held, Status.HELD)):
        [event] = events(session, case, first_event)
        assert event.action == Action.SUPERVISE and event.actor_role == Role.SYSTEM
        assert (event.from_status, event.to_status) == (status, status)
        assert "受理时限" in event.note
        assert session.get(Case, case.id).overdue_notified_on == local_today()
    assert events(session, fresh, first_event) == []
    [mail] = mails_after(session, first_mail)
    assert mail.recipient == "owner@city.example"  # the one active operator with an address
    assert late.tracking_code in mail.body_text and held.tracking_code in mail.body_text
    assert fresh.tracking_code not in mail.body_text
    assert "/staff/queues/accept_overdue" in mail.body_text
    assert [m["To"] for m in smtp.mailbox.messages] == ["owner@city.example"]
    assert "受理超期 2 件" in output

    again = supervise(app)
    reread(session)
    assert mails_after(session, first_mail) == [mail]
    assert "受理超期 0 件" in again


def test_accepting_a_reminded_submission_leaves_the_queue_and_its_next_deadline_is_watched(
        app, session, smtp, world):
    case = waiting_case(session, "建议在学校门口设置减速带", late=True)
    supervise(app)
    reread(session)
    case = session.get(Case, case.id)
    h.accept_case(session, case, world.actor(world.owner))
    h.assign_case(session, case, world.actor(world.owner), world.zjw)
    session.commit()
    assert session.get(Case, case.id).overdue_notified_on is None
    assert session.scalar(select(func.count()).select_from(Case).where(
        late_for_acceptance(local_today()))) == 0
