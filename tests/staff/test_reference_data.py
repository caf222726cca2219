"""Departments and categories are edited and retired, never deleted: retired ones leave
every list to choose from and stay in history, reports and on the wall."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.auth.models import SecurityEvent
from portal.cases.handling import close_case
from portal.cases.models import Category, Department
from portal.cases.workflow import Actor, Role
from tests.helpers import count, field_errors, form_tokens, login, make_staff
from tests.helpers.desk import DEPARTMENT, Desk, published, replied_case, submit


@pytest.fixture
def admin(app, session):
    make_staff(session, "root", Role.ADMIN)
    session.commit()
    client = app.test_client()
    assert login(client, "root").status_code == 303
    return client


@pytest.fixture
def desk(app, session, make_category, make_department) -> Desk:
    return Desk(app, session, make_category("城乡建设"), make_department(DEPARTMENT))


def post(client, url, data, page=None):
    return client.post(url, data={**form_tokens(client, page or url), **data})


def retire(client, kind, row_id):
    return post(client, f"/staff/admin/{kind}/{row_id}/active", {}, f"/staff/admin/{kind}")


def reread(session, *rows):
    """See what requests committed since (the test's session keeps what it loaded)."""
    session.rollback()
    for row in rows:
        session.refresh(row)


def events(session, action):
    return count(session, SecurityEvent, SecurityEvent.action == action)


def test_an_admin_edits_a_department_and_it_is_logged(admin, session, make_department):
    dept = make_department("市水务局")
    url = f"/staff/admin/departments/{dept.id}"
    assert 'value="市水务局"' in admin.get(url).get_data(as_text=True)
    response = post(admin, url, {"name": "市水务集团", "email": "sw@city.example"})
    assert response.status_code == 303
    reread(session, dept)
    assert (dept.name, dept.email) == ("市水务集团", "sw@city.example")
    assert events(session, "edit_department") == 1


def test_an_admin_edits_a_category_and_it_is_logged(admin, session, make_category):
    cat = make_category("供水")
    response = post(admin, f"/staff/admin/categories/{cat.id}", {"name": "供水供电",
                                                                 "sort_order": "7"})
    assert response.status_code == 303
    reread(session, cat)
    assert (cat.name, cat.sort_order) == ("供水供电", 7)
    assert events(session, "edit_category") == 1


@pytest.mark.parametrize(("kind", "data", "field", "message"), [
    ("departments", {"name": "市交通运输局", "email": ""}, "name", "已有同名的承办单位"),
    ("departments", {"name": "X", "email": "坏地址"}, "email", "电子邮箱"),
    ("categories", {"name": "交通出行", "sort_order": "1"}, "name", "已有同名的类别"),
    ("categories", {"name": "供水", "sort_order": "三"}, "sort_order", ""),
])
def test_bad_input_is_shown_beside_the_field_kept_and_nothing_is_written(
        admin, session, make_department, make_category, kind, data, field, message):
    make_department("市交通运输局"), make_category("交通出行")
    row = make_department("市水务局") if kind == "departments" else make_category("供水")
    response = post(admin, f"/staff/admin/{kind}/{row.id}", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert field_errors(page, field) and message in field_errors(page, field)
    assert f'value="{data["name"]}"' in page
    reread(session, row)
    assert row.name in ("市水务局", "供水")
    assert events(session, f"edit_{kind[:-1] if kind == 'departments' else 'category'}") == 0


def test_a_retired_category_leaves_every_choice_but_stays_on_its_cases(
        admin, session, desk, client):
    case = submit(desk)
    assert retire(admin, "categories", desk.category.id).status_code == 303
    assert "城乡建设" not in client.get("/mailbox/new").get_data(as_text=True)
    assert "城乡建设" not in client.get("/suggestions/new").get_data(as_text=True)
    operator = desk.signed_in("op", Role.OPERATOR)
    assert ">城乡建设<" not in operator.get("/staff/queues/intake").get_data(as_text=True)
    assert "城乡建设" in operator.get(f"/staff/cases/{case.id}").get_data(as_text=True)
    assert events(session, "retire_category") == 1
    assert retire(admin, "categories", desk.category.id).status_code == 303
    assert "城乡建设" in client.get("/mailbox/new").get_data(as_text=True)
    assert events(session, "enable_category") == 1


def test_a_department_with_unfinished_cases_is_not_retired(admin, session, desk):
    replied_case(desk)  # replied, not yet followed up: still the department's
    response = retire(admin, "departments", desk.department.id)
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "还有 1 件未办结的诉求" in page
    reread(session, desk.department)
    assert desk.department.is_active
    assert events(session, "retire_department") == 0


def test_a_department_with_only_closed_cases_retires_and_history_still_shows(
        admin, session, desk, client):
    case = replied_case(desk)
    publication_id = published(desk, case.id)
    close_case(session, case, Actor.system())
    session.commit()
    assert retire(admin, "departments", desk.department.id).status_code == 303
    reread(session, desk.department)
    assert not desk.department.is_active
    assert events(session, "retire_department") == 1
    operator = desk.signed_in("op", Role.OPERATOR, Role.SUPERVISOR)
    page = operator.get(f"/staff/cases/{case.id}").get_data(as_text=True)
    assert DEPARTMENT in page
    assert f'>{DEPARTMENT}<' not in operator.get("/staff/queues/intake").get_data(as_text=True)
    for url in (f"/wall/{publication_id}", "/wall", f"/wall?department={desk.department.id}",
                "/search?q=供水", "/stats", "/api/wall.json", "/api/wall.csv",
                "/feeds/wall.atom"):
        response = client.get(url)
        assert response.status_code == 200, url
    assert DEPARTMENT in client.get(f"/wall/{publication_id}").get_data(as_text=True)
    staff = desk.signed_in("boss", Role.SUPERVISOR, Role.ADMIN)
    for url in ("/staff/reports", "/staff/scorecard"):
        assert staff.get(url).status_code == 200, url


def test_reference_pages_need_a_sign_in_and_the_admin_role(app, session, client,
                                                           make_department, make_category):
    dept, cat = make_department(), make_category()
    urls = [f"/staff/admin/departments/{dept.id}", f"/staff/admin/categories/{cat.id}"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    make_staff(session, "sup", Role.SUPERVISOR)
    session.commit()
    supervisor = app.test_client()
    login(supervisor, "sup")
    for url in urls:
        assert supervisor.get(url).status_code == 403
    for kind, row in (("departments", dept), ("categories", cat)):
        tokens = form_tokens(supervisor, "/staff/")
        assert supervisor.post(f"/staff/admin/{kind}/{row.id}/active",
                               data=tokens).status_code == 403
    reread(session, dept, cat)
    assert dept.is_active and cat.is_active
    assert session.scalars(select(Department.name)).all() == ["市交通运输局"]
    assert session.scalars(select(Category.name)).all() == ["交通出行"]
