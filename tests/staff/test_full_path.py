"""A letter from the web form to a closed case, reopened once, through the real HTTP
stack with CSRF, with every mail captured by a real SMTP server."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from portal.cases.models import Case, CaseEvent
from portal.cases.workflow import Action, Role, Satisfaction, Status
from tests.helpers import act, form_tokens, letter_data, login, make_staff, post_form


def test_from_submission_to_closed_case_with_a_reopen(app, session, smtp, make_category,
                                                     make_department):
    category = make_category("城市管理")
    lead = make_department("市城市管理局")
    lead.email = "cgj@city.example"
    session.commit()
    make_staff(session, "op", Role.OPERATOR)
    make_staff(session, "handler", Role.HANDLER, department=lead)

    citizen = app.test_client()
    assert post_form(citizen, "/mailbox/new", letter_data(category.id)).status_code == 303
    session.rollback()
    case = session.scalars(select(Case)).one()
    code = case.tracking_code
    assert any(code in m["Subject"] for m in smtp.mailbox.messages)

    operator, handler = app.test_client(), app.test_client()
    assert login(operator, "op").status_code == 303
    assert login(handler, "handler").status_code == 303

    assert act(operator, case.id, "accept").status_code == 303
    assert act(operator, case.id, "assign", department=str(lead.id), note="请核查施工许可",
               days="5").status_code == 303
    assert any(m["To"] == "cgj@city.example" for m in smtp.mailbox.messages)
    assert act(handler, case.id, "answer",
               answer="经核查，该工地已办理夜间施工许可，我局已要求其22点后停止高噪声作业。"
               ).status_code == 303
    assert act(operator, case.id, "reply",
               reply="经市城市管理局核查，工地22点后停止高噪声作业，如仍有扰民请拨打12345。"
               ).status_code == 303

    reply_mail = smtp.mailbox.body()
    link = re.search(r"不满意：https://portal\.test(/follow-up/\S+)", reply_mail)
    assert link, reply_mail
    survey = citizen.get(link.group(1))
    assert survey.status_code == 200 and "不满意" in survey.get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', survey.get_data(as_text=True))
    answer = citizen.post(link.group(1), data={"comment": "晚上还是很吵", "csrf_token": token[1]})
    assert "感谢您的评价" in answer.get_data(as_text=True)
    again = citizen.get(link.group(1))  # the link is one-use
    assert "已经完成评价" in again.get_data(as_text=True)

    session.rollback()
    case = session.get(Case, case.id)
    assert (case.status, case.satisfaction) == (Status.CLOSED, Satisfaction.UNSATISFIED)

    assert act(operator, case.id, "reopen", note="市民反映仍有夜间施工").status_code == 303
    assert act(handler, case.id, "answer",
               answer="已对该工地立案处罚并责令夜间停工，后续将加强巡查。").status_code == 303
    assert act(operator, case.id, "reply", reply="已对工地立案处罚并责令夜间停工。").status_code == 303
    assert act(operator, case.id, "follow_up", satisfaction="satisfied",
               note="电话回访，市民表示满意").status_code == 303

    session.rollback()
    case = session.get(Case, case.id)
    assert case.status == Status.CLOSED
    assert case.satisfaction == Satisfaction.SATISFIED
    assert case.reopen_count == 1
    actions = [e.action for e in session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id))]
    assert actions == [Action.SUBMIT, Action.ACCEPT, Action.ASSIGN, Action.ANSWER, Action.REPLY,
                       Action.FOLLOW_UP, Action.REOPEN, Action.ANSWER, Action.REPLY,
                       Action.FOLLOW_UP]
    reopened = session.scalar(select(func.count()).select_from(CaseEvent).where(
        CaseEvent.action == Action.REOPEN, CaseEvent.department_id == lead.id))
    assert reopened == 1

    status_page = citizen.post("/track", data={
        **form_tokens(citizen, "/track"), "tracking_code": code, "phone_last4": "8000"})
    html = status_page.get_data(as_text=True)
    assert "已立案处罚" not in html or "已对工地立案处罚并责令夜间停工" in html
    assert "请核查施工许可" not in html  # internal notes never reach the citizen
