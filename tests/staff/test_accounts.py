"""Admins edit staff accounts, disable them, and hand a leaving operator's cases over (交接)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.auth.models import SecurityEvent
from portal.cases.handling import accept_case, assign_case, staff_actor
from portal.cases.models import CaseEvent
from portal.cases.workflow import Action, Role, Status
from tests.helpers import count, field_errors, form_tokens, login, make_staff
from tests.helpers.desk import DEPARTMENT, Desk, submit


@pytest.fixture
def desk(app, session, make_category, make_department) -> Desk:
    return Desk(app, session, make_category("城乡建设"), make_department(DEPARTMENT))


@pytest.fixture
def admin(desk):
    return desk.signed_in("root", Role.ADMIN)


def role_value(page: str, label: str) -> str:
    match = re.search(r'<input[^>]*value="(\d+)"[^>]*>\s*' + label, page)
    assert match, label
    return match.group(1)


def post(client, url, data, page=None):
    return client.post(url, data={**form_tokens(client, page or url), **data})


def reread(session, *rows):
    session.rollback()
    for row in rows:
        session.refresh(row)


def test_an_admin_changes_roles_department_and_email_and_the_sessions_end(
        app, admin, desk, session):
    member = make_staff(session, "wang", Role.OPERATOR)
    session.commit()
    browser = app.test_client()
    assert login(browser, "wang").status_code == 303
    url = f"/staff/admin/accounts/{member.id}"
    page = admin.get(url).get_data(as_text=True)
    assert re.search(r'value="\d+" checked[^>]*>\s*受理员|checked[^>]*value="\d+"[^>]*>\s*受理员',
                     page)
    response = post(admin, url, {"display_name": "王承办", "email": "wang@city.example",
                                 "roles": role_value(page, "承办人"),
                                 "department": str(desk.department.id)})
    assert response.status_code == 303
    reread(session, member)
    assert member.roles == {Role.HANDLER} and member.department_id == desk.department.id
    assert (member.display_name, member.email) == ("王承办", "wang@city.example")
    assert count(session, SecurityEvent, SecurityEvent.action == "edit_account") == 1
    assert browser.get("/staff/").status_code == 302  # signed out: the roles changed


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"roles": []}, "roles", "请选择角色"),
    ({"department": ""}, "department", "承办人必须指定所属单位"),
    ({"email": "不是邮箱"}, "email", "电子邮箱"),
])
def test_bad_account_edits_show_beside_the_field_and_write_nothing(admin, desk, session,
                                                                  data, field, message):
    member = make_staff(session, "li", Role.HANDLER, department=desk.department)
    session.commit()
    url = f"/staff/admin/accounts/{member.id}"
    page = admin.get(url).get_data(as_text=True)
    fields = {"display_name": "李四新名", "email": "", "roles": role_value(page, "承办人"),
              "department": str(desk.department.id), **data}
    response = post(admin, url, fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in field_errors(html, field)
    assert 'value="李四新名"' in html
    reread(session, member)
    assert member.display_name == "li" and member.roles == {Role.HANDLER}
    assert count(session, SecurityEvent, SecurityEvent.action == "edit_account") == 0


def test_an_admin_may_not_take_away_their_own_admin_role(admin, desk, session):
    url = f"/staff/admin/accounts/{desk.ids['root']}"
    page = admin.get(url).get_data(as_text=True)
    response = post(admin, url, {"display_name": "root", "roles": role_value(page, "受理员")})
    assert "不能取消自己的管理员角色" in field_errors(response.get_data(as_text=True), "roles")


def owned_cases(desk, operator_name):
    """Two unfinished cases owned by ``operator_name`` and one closed-off (declined) one."""
    owner = make_staff(desk.session, operator_name, Role.OPERATOR)
    desk.session.commit()
    actor = staff_actor(owner)
    cases = [submit(desk, title=f"小区供水管道漏水（{i}）") for i in range(3)]
    for case in cases:
        accept_case(desk.session, case, actor)
    desk.session.commit()
    assign_case(desk.session, cases[1], actor, desk.department)
    cases[2].status = Status.DECLINED  # arranged: an ended case stays with its owner
    desk.session.commit()
    return owner, cases


def test_an_operator_with_unfinished_cases_cannot_be_disabled_before_handing_over(
        admin, desk, session):
    owner, _ = owned_cases(desk, "zhou")
    response = post(admin, f"/staff/admin/accounts/{owner.id}/active", {},
                    "/staff/admin/accounts")
    assert response.headers["Location"].endswith(f"/staff/admin/accounts/{owner.id}/hand-over")
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "名下还有 2 件未办结的诉求" in page
    reread(session, owner)
    assert owner.is_active


def test_handing_over_moves_unfinished_cases_with_an_event_each_then_disabling_works(
        app, admin, desk, session):
    owner, cases = owned_cases(desk, "zhou")
    successor = make_staff(session, "chen", Role.OPERATOR)
    session.commit()
    browser = app.test_client()
    assert login(browser, "zhou").status_code == 303
    url = f"/staff/admin/accounts/{owner.id}/hand-over"
    assert "chen" in admin.get(url).get_data(as_text=True)
    assert post(admin, url, {"successor": str(successor.id)}).status_code == 303
    reread(session, *cases)
    assert [c.owner_id for c in cases] == [successor.id, successor.id, owner.id]
    events = session.scalars(select(CaseEvent).where(CaseEvent.action == Action.HAND_OVER)
                             ).all()
    assert sorted(e.case_id for e in events) == [cases[0].id, cases[1].id]
    assert all(e.actor_id == desk.ids["root"] and "zhou" in e.note for e in events)
    assert count(session, SecurityEvent, SecurityEvent.action == "hand_over_cases") == 1
    assert post(admin, f"/staff/admin/accounts/{owner.id}/active", {},
                "/staff/admin/accounts").headers["Location"].endswith("/staff/admin/accounts")
    reread(session, owner)
    assert not owner.is_active
    assert browser.get("/staff/").status_code == 302  # the leaver's session ended


def test_a_hand_over_needs_an_active_operator(admin, desk, session):
    owner, cases = owned_cases(desk, "zhou")
    gone = make_staff(session, "gone", Role.OPERATOR)
    gone.is_active = False
    session.commit()
    url = f"/staff/admin/accounts/{owner.id}/hand-over"
    for choice in ("", str(gone.id), str(owner.id)):
        response = post(admin, url, {"successor": choice})
        assert response.status_code == 400
        assert field_errors(response.get_data(as_text=True), "successor")
    assert count(session, CaseEvent, CaseEvent.action == Action.HAND_OVER) == 0


def test_account_pages_need_a_sign_in_and_the_admin_role(app, desk, session, client):
    member = make_staff(session, "wu", Role.OPERATOR)
    session.commit()
    urls = [f"/staff/admin/accounts/{member.id}", f"/staff/admin/accounts/{member.id}/hand-over"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    supervisor = desk.signed_in("sup", Role.SUPERVISOR)
    for url in urls:
        assert supervisor.get(url).status_code == 403
        assert supervisor.post(url, data=form_tokens(supervisor, "/staff/")).status_code == 403
