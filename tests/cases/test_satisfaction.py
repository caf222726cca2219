"""回访 by mail: the reply offers 满意 / 基本满意 / 不满意 as three signed one-use links,
each landing on a one-step confirmation; an unsatisfied answer gives its reason and puts
the case in the owner's 待重办 queue, where the owner reopens it or explains."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from portal.cases.models import Case, CaseEvent
from portal.cases.services import ContactData, Submission, submit_case
from portal.cases.tracking import follow_up_serializer
from portal.cases.workflow import Action, Actor, Channel, Kind, Role, Satisfaction, Status
from portal.clock import local_today
from portal.reports.figures import office_figures
from portal.reports.period import Period
from tests.helpers import act, count, field_errors, hidden_fields, login, make_staff
from tests.helpers.staff import codes_listed

REPLY = "经核查，该路段路灯已于本周修复，如仍有问题请拨打12345。"
REASON = "路灯修好两天后又不亮了"
LINK = re.compile(r"\n(满意|基本满意|不满意)：https://portal\.test(/follow-up/\S+)")


@pytest.fixture
def replied(app: Any, session: Any, smtp: Any) -> tuple[Case, dict[str, str], Any]:
    """A case replied to by its owner (signed in as ``operator``), and the three links."""
    make_staff(session, "sat-op", Role.OPERATOR)
    case = submit_case(session, Submission(
        channel=Channel.MAILBOX, kind=Kind.REQUEST, title="和平路路灯不亮",
        content="和平路路灯连续一周不亮，夜间行人不便。",
        contact=ContactData(phone="13800138000", email="citizen@example.com")),
        Actor.citizen())
    session.commit()
    operator = app.test_client()
    login(operator, "sat-op")
    assert act(operator, case.id, "accept").status_code == 303
    smtp.mailbox.clear()
    assert act(operator, case.id, "reply", reply=REPLY).status_code == 303
    links = dict(LINK.findall(smtp.mailbox.body()))
    reread(session)
    return session.get(Case, case.id), links, operator


def reread(session: Any) -> None:
    session.rollback()
    session.expire_all()


def events(session: Any, case: Case) -> list[Action]:
    return list(session.scalars(select(CaseEvent.action).where(CaseEvent.case_id == case.id)
                                .order_by(CaseEvent.id)))


def confirm(client: Any, url: str, **data: str) -> Any:
    page = client.get(url)
    assert page.status_code == 200
    token = hidden_fields(page.get_data(as_text=True))["csrf_token"]
    return client.post(url, data={"csrf_token": token, **data})


def test_the_reply_mail_offers_each_answer_as_its_own_link(replied):
    case, links, _ = replied
    assert set(links) == {"满意", "基本满意", "不满意"}
    assert len(set(links.values())) == 3


@pytest.mark.parametrize("label", ["满意", "基本满意", "不满意"])
def test_opening_a_link_shows_the_answer_and_records_nothing(app, session, replied, label):
    case, links, _ = replied
    page = app.test_client().get(links[label])
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"您的评价：<strong>{label}</strong>" in html and "确认提交评价" in html
    reread(session)
    assert session.get(Case, case.id).status == Status.REPLIED
    assert events(session, case)[-1] == Action.REPLY


def test_confirming_records_the_answer_once_and_every_link_is_then_used(app, session, replied):
    case, links, _ = replied
    citizen = app.test_client()
    done = confirm(citizen, links["基本满意"], comment="")
    assert "感谢您的评价" in done.get_data(as_text=True)
    reread(session)
    case = session.get(Case, case.id)
    assert (case.status, case.satisfaction) == (Status.CLOSED, Satisfaction.BASICALLY_SATISFIED)
    assert events(session, case)[-1] == Action.FOLLOW_UP
    for url in links.values():
        assert "已经完成评价" in citizen.get(url).get_data(as_text=True)
    assert count(session, CaseEvent, CaseEvent.case_id == case.id,
                 CaseEvent.action == Action.FOLLOW_UP) == 1


def test_an_unsatisfied_answer_needs_a_reason_and_without_one_writes_nothing(app, session,
                                                                             replied):
    case, links, _ = replied
    response = confirm(app.test_client(), links["不满意"], comment=" ")
    assert response.status_code == 400
    assert "不满意的原因" in field_errors(response.get_data(as_text=True), "comment")
    reread(session)
    assert session.get(Case, case.id).status == Status.REPLIED
    assert events(session, case)[-1] == Action.REPLY


def test_an_unsatisfied_answer_goes_to_the_owners_redo_queue_until_explained(
        app, session, smtp, replied):
    case, links, operator = replied
    done = confirm(app.test_client(), links["不满意"], comment=REASON)
    assert "重新交办承办单位或向您作出说明" in done.get_data(as_text=True)
    reread(session)
    event = session.scalars(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.action == Action.FOLLOW_UP)).one()
    assert event.satisfaction == Satisfaction.UNSATISFIED and REASON in event.note
    assert codes_listed(operator, "/staff/queues/redo") == {case.tracking_code}
    assert REASON in operator.get(f"/staff/cases/{case.id}").get_data(as_text=True)

    assert act(operator, case.id, "explain", note="").status_code == 400  # nothing said
    smtp.mailbox.clear()
    assert act(operator, case.id, "explain",
               note="路灯线路已整体更换，故障系施工误伤，已要求施工方赔修。").status_code == 303
    reread(session)
    case = session.get(Case, case.id)
    assert (case.status, case.satisfaction) == (Status.CLOSED, Satisfaction.UNSATISFIED)
    assert case.explained_at is not None
    assert events(session, case)[-2:] == [Action.FOLLOW_UP, Action.EXPLAIN]
    assert [m["To"] for m in smtp.mailbox.messages] == ["citizen@example.com"]
    assert "施工误伤" in smtp.mailbox.body()
    assert codes_listed(operator, "/staff/queues/redo") == set()
    assert "explain-csrf_token" not in operator.get(  # explained once only
        f"/staff/cases/{case.id}").get_data(as_text=True)
    today = local_today()
    figures = office_figures(session, Period.month(today.year, today.month), today=today)
    assert figures.office.explained == 1 and figures.ratings.unsatisfied == 1


def test_another_operator_does_not_see_the_owners_redo_case(app, session, replied):
    case, links, _ = replied
    confirm(app.test_client(), links["不满意"], comment=REASON)
    make_staff(session, "sat-op2", Role.OPERATOR)
    other = app.test_client()
    login(other, "sat-op2")
    assert codes_listed(other, "/staff/queues/redo") == set()
    page = other.get(f"/staff/cases/{case.id}").get_data(as_text=True)
    assert "explain-csrf_token" not in page  # 首问首办: not offered to another operator ...
    token = re.search(r'name="note-csrf_token"[^>]*value="([^"]*)"', page)[1]
    other.post(f"/staff/cases/{case.id}/act/explain",  # ... nor taken from them
               data={"explain-note": "说明", "explain-csrf_token": token})
    reread(session)
    assert Action.EXPLAIN not in events(session, case)


def test_tampered_and_expired_links_get_a_friendly_page(make_app, session, replied):
    case, links, _ = replied
    url = links["满意"]
    app = make_app()
    client = app.test_client()
    tampered = client.get(url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB"))
    assert tampered.status_code == 404 and "评价链接无效" in tampered.get_data(as_text=True)
    assert client.get("/follow-up/not-a-token").status_code == 404
    expired = make_app(FOLLOW_UP_LINK_MAX_AGE=-1).test_client().get(url)
    assert expired.status_code == 410 and "评价链接已过期" in expired.get_data(as_text=True)
    reread(session)
    assert session.get(Case, case.id).status == Status.REPLIED


def test_a_survey_link_from_before_still_offers_the_three_answers(app, session, replied):
    case, _, _ = replied
    with app.app_context():
        url = "/follow-up/" + follow_up_serializer().dumps([case.id, case.follow_up_nonce])
    done = confirm(app.test_client(), url, satisfaction="satisfied", comment="")
    assert "感谢您的评价" in done.get_data(as_text=True)
    reread(session)
    assert session.get(Case, case.id).satisfaction == Satisfaction.SATISFIED
