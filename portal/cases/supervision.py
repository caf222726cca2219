"""督办: the daily watch over deadlines, run by cron as ``flask --app wsgi supervise``.

Idempotent: a case is marked overdue, mailed to its department, escalated and
auto-closed at most once for each deadline, so running it twice sends nothing twice.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.auth.models import StaffRole, StaffUser
from portal.clock import local_today
from portal.db import db, utcnow
from portal.notify.outbox import queue_mail
from portal.privacy.whistleblower import title_for
from portal.urls import external_url

from .deadlines import late_for_acceptance, working_days_left
from .handling import close_case
from .models import Case, Department
from .services import perform
from .workflow import Action, Actor, Role, Status


@dataclass
class SupervisionReport:
    overdue: list[Case] = field(default_factory=list)
    waiting: list[Case] = field(default_factory=list)  # newly late for acceptance
    escalated: list[Case] = field(default_factory=list)
    closed: list[Case] = field(default_factory=list)
    mails: int = 0


def _case_line(case: Case, department_id: int | None = None) -> str:
    return f"{case.tracking_code}  {title_for(case, department_id)}（时限 {case.due_on}）"


def _active_staff(session: Session, role: Role) -> list[StaffUser]:
    return list(session.scalars(
        select(StaffUser).join(StaffRole).where(StaffRole.role == role,
                                                StaffUser.is_active.is_(True),
                                                StaffUser.email.is_not(None))))


def _remind_acceptance(session: Session, today: dt.date, report: SupervisionReport) -> None:
    """Mark submissions newly waiting past the acceptance deadline; mail the operators."""
    system = Actor.system()
    report.waiting = list(session.scalars(
        select(Case).where(late_for_acceptance(today), Case.overdue_notified_on.is_(None))
        .order_by(Case.accept_due_at, Case.id)))
    for case in report.waiting:
        perform(session, case, Action.SUPERVISE, system, note="已超过受理时限（1 个工作日）")
        case.overdue_notified_on = today
    if not report.waiting:
        return
    lines = "\n".join(f"{c.tracking_code}  {title_for(c, None)}" for c in report.waiting)
    for operator in _active_staff(session, Role.OPERATOR):
        assert operator.email is not None
        queue_mail(session, recipient=operator.email,
                   subject=f"【受理超期】{len(report.waiting)} 件诉求超过 1 个工作日未受理",
                   template="notice", paragraphs=["以下诉求已超过受理时限，请尽快受理：", lines],
                   link=external_url("queues.queue", name="accept_overdue"),
                   link_text="查看受理超期件")
        report.mails += 1


def supervise(session: Session, today: dt.date) -> SupervisionReport:
    """Remind late acceptances, mark newly overdue cases, escalate long-overdue ones,
    close stale follow-ups."""
    report = SupervisionReport()
    system = Actor.system()
    _remind_acceptance(session, today, report)
    overdue = session.scalars(
        select(Case).where(Case.status == Status.ASSIGNED, Case.due_on < today)
        .order_by(Case.due_on, Case.id)
    ).all()
    by_department: dict[int, list[Case]] = defaultdict(list)
    escalate_after = current_app.config["ESCALATE_AFTER_OVERDUE_DAYS"]
    for case in overdue:
        assert case.due_on is not None
        if case.overdue_notified_on is None:
            perform(session, case, Action.SUPERVISE, system, note=f"已超过办理时限 {case.due_on}")
            case.overdue_notified_on = today
            report.overdue.append(case)
            if case.department_id is not None:
                by_department[case.department_id].append(case)
        late = -working_days_left(session, today, case.due_on)
        if case.escalated_at is None and late > escalate_after:
            perform(session, case, Action.SUPERVISE, system,
                    note=f"超期 {late} 个工作日，提请督办员督办")
            case.escalated_at = utcnow()
            report.escalated.append(case)

    for department_id, cases in by_department.items():
        department = session.get(Department, department_id)
        if department is not None and department.email:
            queue_mail(session, recipient=department.email,
                       subject=f"【超期提醒】{department.name}有 {len(cases)} 件诉求超过办理时限",
                       template="notice", paragraphs=["以下诉求已超过办理时限，请尽快办理：",
                                                      "\n".join(_case_line(c, department_id) for c in cases)],
                       link=external_url("queues.queue", name="overdue"), link_text="查看超期件")
            report.mails += 1
    if report.escalated:
        for supervisor in _active_staff(session, Role.SUPERVISOR):
            assert supervisor.email is not None
            queue_mail(session, recipient=supervisor.email,
                       subject=f"【督办】{len(report.escalated)} 件诉求严重超期",
                       template="notice", paragraphs=[
                           f"以下诉求超期超过 {escalate_after} 个工作日，请督办：",
                           "\n".join(_case_line(c) for c in report.escalated)],
                       link=external_url("queues.queue", name="overdue"), link_text="查看超期件")
            report.mails += 1

    stale_before = utcnow() - dt.timedelta(days=current_app.config["FOLLOW_UP_AUTO_CLOSE_DAYS"])
    for case in session.scalars(
        select(Case).where(Case.status == Status.REPLIED, Case.replied_at < stale_before)
    ).all():
        close_case(session, case, system, note="回访期内未收到评价，系统自动办结")
        report.closed.append(case)
    return report


@click.command("supervise")
@with_appcontext
def supervise_command() -> None:
    """Daily deadline watch: late acceptances, overdue marks, mails, escalation, auto-close."""
    report = supervise(db.session, local_today())
    db.session.commit()
    click.echo(f"受理超期 {len(report.waiting)} 件，新超期 {len(report.overdue)} 件，提请督办 {len(report.escalated)} 件，"
               f"自动办结 {len(report.closed)} 件，发出提醒邮件 {report.mails} 封。")


def init_app(app: Flask) -> None:
    app.cli.add_command(supervise_command)
