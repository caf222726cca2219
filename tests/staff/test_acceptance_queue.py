"""The operators' 受理超期 queue: submissions waiting past the acceptance deadline, and
the figures that count them."""

from __future__ import annotations

import datetime as dt

from portal.cases import handling as h
from portal.cases.services import ContactData, Submission, submit_case
from portal.cases.workflow import Actor, Channel, Kind, Role
from portal.clock import local_today
from portal.db import utcnow
from portal.reports.figures import OfficeWork, office_figures
from portal.reports.period import Period
from tests.helpers import login, make_staff
from tests.helpers.staff import codes_listed

QUEUE = "/staff/queues/accept_overdue"


def submitted(session, title: str, late: bool):
    case = submit_case(session, Submission(
        channel=Channel.MAILBOX, kind=Kind.REQUEST, title=title,
        content=f"{title}，请尽快处理。", contact=ContactData(phone="13800138000")),
        Actor.citizen())
    if late:
        case.accept_due_at = utcnow() - dt.timedelta(days=1)
    session.commit()
    return case


def test_operators_see_submissions_waiting_past_the_deadline_and_no_others(app, session):
    late = submitted(session, "小区电梯故障", late=True)
    fresh = submitted(session, "路灯不亮", late=False)
    accepted = submitted(session, "井盖缺失", late=True)
    operator = make_staff(session, "acc-op", Role.OPERATOR)
    h.accept_case(session, accepted, h.staff_actor(operator))
    session.commit()
    client = app.test_client()
    login(client, "acc-op")

    assert codes_listed(client, QUEUE) == {late.tracking_code}
    assert fresh.tracking_code in codes_listed(client, "/staff/queues/new")
    assert "受理超期" in client.get("/staff/").get_data(as_text=True)


def test_the_queue_is_closed_to_the_signed_out_and_to_handlers(app, session, make_department):
    make_staff(session, "acc-handler", Role.HANDLER, department=make_department("市水务局"))
    client = app.test_client()
    response = client.get(QUEUE)
    assert response.status_code in (302, 303) and "/staff/login" in response.headers["Location"]
    login(client, "acc-handler")
    assert client.get(QUEUE).status_code == 404


def test_late_acceptances_and_late_waiting_submissions_are_counted(app, session):
    operator = h.staff_actor(make_staff(session, "acc-fig", Role.OPERATOR))
    on_time = submitted(session, "噪音扰民", late=False)
    late = submitted(session, "占道经营", late=True)
    submitted(session, "违章停车", late=True)
    for case in (on_time, late):
        h.accept_case(session, case, operator)
    session.commit()
    today = local_today()
    figures = office_figures(session, Period.month(today.year, today.month), today=today)
    assert figures.office == OfficeWork(accepted_late=1, waiting_late_now=1)
