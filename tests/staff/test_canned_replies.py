"""Supervisors and admins keep the reply templates (常用答复): add, edit, retire."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.auth.models import SecurityEvent, StaffUser
from portal.cases.handling import accept_case, staff_actor
from portal.cases.models import CannedReply
from portal.cases.workflow import Role
from tests.helpers import count, field_errors, form_tokens
from tests.helpers.desk import DEPARTMENT, Desk, submit

URL = "/staff/canned-replies"
BODY = "您反映的问题已转交相关部门处理，感谢您对城市建设的关心和支持。"


@pytest.fixture
def desk(app, session, make_category, make_department) -> Desk:
    return Desk(app, session, make_category("城乡建设"), make_department(DEPARTMENT))


@pytest.fixture
def supervisor(desk):
    return desk.signed_in("sup", Role.SUPERVISOR)


def post(client, url, data, page=URL):
    return client.post(url, data={**form_tokens(client, page), **data})


def events(session, action):
    return count(session, SecurityEvent, SecurityEvent.action == action)


def offered_on_reply(desk, title: str) -> str:
    """The reply page of a newly accepted case, as its owner sees it."""
    owner = desk.signed_in("op", Role.OPERATOR)
    case = submit(desk, title=title)
    accept_case(desk.session, case, staff_actor(desk.session.get(StaffUser, desk.ids["op"])))
    desk.session.commit()
    return owner.get(f"/staff/cases/{case.id}").get_data(as_text=True)


def test_a_supervisor_adds_edits_and_retires_a_template_that_owners_then_see(
        supervisor, desk, session):
    assert post(supervisor, URL, {"category": str(desk.category.id), "title": "已转办",
                                  "body": BODY}).status_code == 303
    [reply] = session.scalars(select(CannedReply)).all()
    assert (reply.category_id, reply.is_active) == (desk.category.id, True)
    assert ">已转办<" in offered_on_reply(desk, "小区供水管道漏水（一）")
    assert post(supervisor, f"{URL}/{reply.id}", {"category": "", "title": "已转交",
                                                  "body": BODY}, f"{URL}/{reply.id}"
                ).status_code == 303
    assert post(supervisor, f"{URL}/{reply.id}/active", {}).status_code == 303
    session.rollback()
    session.refresh(reply)
    assert (reply.category_id, reply.title, reply.is_active) == (None, "已转交", False)
    assert "已转交" not in offered_on_reply(desk, "小区供水管道漏水（二）")
    assert "已转交" in supervisor.get(URL).get_data(as_text=True)  # kept, shown as retired
    for action in ("add_canned_reply", "edit_canned_reply", "retire_canned_reply"):
        assert events(session, action) == 1
    assert post(supervisor, f"{URL}/{reply.id}/active", {}).status_code == 303
    assert events(session, "enable_canned_reply") == 1


@pytest.mark.parametrize(("data", "field"), [
    ({"title": "", "body": BODY}, "title"),
    ({"title": "已转办", "body": "太短"}, "body"),
    ({"title": "已转办", "body": BODY, "category": "999"}, "category"),
])
def test_bad_input_is_shown_beside_the_field_kept_and_nothing_is_written(
        supervisor, session, data, field):
    response = post(supervisor, URL, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and field_errors(page, field)
    assert data["body"] in page
    assert count(session, CannedReply) == 0


def test_an_edit_with_bad_input_changes_nothing(supervisor, session, desk):
    reply = CannedReply(title="已转办", body=BODY)
    session.add(reply)
    session.commit()
    response = post(supervisor, f"{URL}/{reply.id}", {"title": "新标题", "body": ""},
                    f"{URL}/{reply.id}")
    assert response.status_code == 400 and "请填写答复内容" in field_errors(
        response.get_data(as_text=True), "body")
    assert 'value="新标题"' in response.get_data(as_text=True)
    session.rollback()
    session.refresh(reply)
    assert reply.title == "已转办"
    assert events(session, "edit_canned_reply") == 0


def test_templates_need_a_sign_in_and_a_supervisor_or_admin(desk, session, client):
    reply = CannedReply(title="已转办", body=BODY)
    session.add(reply)
    session.commit()
    for url in (URL, f"{URL}/{reply.id}"):
        response = client.get(url)
        assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    for role in (Role.OPERATOR, Role.HANDLER, Role.MODERATOR):
        staff = desk.signed_in(role.value, role)
        for url in (URL, f"{URL}/{reply.id}"):
            assert staff.get(url).status_code == 403
        tokens = form_tokens(staff, "/staff/")
        assert staff.post(f"{URL}/{reply.id}/active", data=tokens).status_code == 403
        assert staff.post(URL, data={**tokens, "title": "x", "body": BODY}).status_code == 403
    session.rollback()
    session.refresh(reply)
    assert reply.is_active and count(session, CannedReply) == 1
    admin = desk.signed_in("root", Role.ADMIN)
    assert admin.get(URL).status_code == 200
