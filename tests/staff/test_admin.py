"""Admin pages: departments, categories and staff accounts."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.auth.models import SecurityEvent, StaffUser
from portal.cases.models import Category, Department
from portal.cases.workflow import Role
from tests.helpers import form_tokens, login, make_staff


@pytest.fixture
def admin(app, session):
    make_staff(session, "root", Role.ADMIN)
    client = app.test_client()
    assert login(client, "root").status_code == 303
    return client


def role_value(page: str, label: str) -> str:
    """The value of the role checkbox labelled ``label`` on the accounts page."""
    match = re.search(r'<input[^>]*value="(\d+)"[^>]*>\s*' + label, page)
    assert match, label
    return match.group(1)


def post(client, url, data):
    return client.post(url, data={**form_tokens(client, url), **data})


def test_an_admin_adds_a_department_and_a_duplicate_is_refused(admin, session):
    response = post(admin, "/staff/admin/departments", {"name": "市水务局", "email": "sw@city.example"})
    assert response.status_code == 303
    again = post(admin, "/staff/admin/departments", {"name": "市水务局", "email": ""})
    assert again.status_code == 400
    assert "已有同名的承办单位" in again.get_data(as_text=True)
    session.rollback()
    assert session.scalars(select(Department.email).where(Department.name == "市水务局")).all() \
        == ["sw@city.example"]


def test_an_admin_adds_a_category_that_citizens_can_then_choose(admin, session, client):
    assert post(admin, "/staff/admin/categories", {"name": "供水供电", "sort_order": "3"}
                ).status_code == 303
    assert "供水供电" in client.get("/mailbox/new").get_data(as_text=True)
    session.rollback()
    assert session.scalar(select(Category.sort_order).where(Category.name == "供水供电")) == 3


def test_an_admin_creates_a_handler_account_that_can_sign_in(admin, session, app,
                                                            make_department):
    dept = make_department("市交通运输局")
    value = role_value(admin.get("/staff/admin/accounts").get_data(as_text=True), "承办人")
    response = post(admin, "/staff/admin/accounts", {
        "username": "liu", "display_name": "刘承办", "email": "", "roles": value,
        "department": str(dept.id), "password": "a-long-passphrase-42"})
    assert response.status_code == 303
    session.rollback()
    user = session.scalars(select(StaffUser).where(StaffUser.username == "liu")).one()
    assert user.roles == {Role.HANDLER} and user.department_id == dept.id
    assert user.must_change_password  # the admin knows it: liu chooses another at once
    first = login(app.test_client(), "liu", "a-long-passphrase-42")
    assert first.status_code == 303 and first.headers["Location"] == "/staff/login/password"
    session.rollback()
    [created] = session.scalars(select(SecurityEvent).where(
        SecurityEvent.action == "create_account")).all()
    assert (created.username, created.object_id) == ("root", user.id)


@pytest.mark.parametrize("spelling", ["ROOT", "ｒｏｏｔ", "ro\u200bot", " root ", "\u202eroot"])
def test_a_new_account_may_not_take_another_spelling_of_an_existing_name(admin, session,
                                                                         spelling):
    page = admin.get("/staff/admin/accounts").get_data(as_text=True)
    response = post(admin, "/staff/admin/accounts", {
        "username": spelling, "display_name": "另一个", "roles": role_value(page, "受理员"),
        "password": "a-long-passphrase-42"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert re.search(r'id="username-error">\s*<li>用户名 root 已存在', html)
    assert "a-long-passphrase-42" not in html
    session.rollback()
    assert session.scalars(select(StaffUser.username)).all() == ["root"]


def test_weak_passwords_and_handlers_without_department_are_refused(admin, session):
    page = admin.get("/staff/admin/accounts").get_data(as_text=True)
    roles = {label: role_value(page, label) for label in ("受理员", "承办人")}
    weak = post(admin, "/staff/admin/accounts", {
        "username": "wang", "display_name": "王", "roles": roles["受理员"],
        "password": "password1234"})
    assert weak.status_code == 400
    assert re.search(r'id="password-error">\s*<li>这个密码太常见', weak.get_data(as_text=True))
    own_name = post(admin, "/staff/admin/accounts", {
        "username": "wang", "display_name": "王小明", "roles": roles["受理员"],
        "password": "王小明-2026-王小明"})
    assert re.search(r'id="password-error">\s*<li>密码不能只是用户名、姓名',
                     own_name.get_data(as_text=True))
    no_dept = post(admin, "/staff/admin/accounts", {
        "username": "zhao", "display_name": "赵", "roles": roles["承办人"],
        "password": "a-long-passphrase-42"})
    assert "承办人必须指定所属单位" in no_dept.get_data(as_text=True)
    session.rollback()
    assert session.scalars(select(StaffUser.username)).all() == ["root"]


def test_disabling_an_account_ends_its_sessions_at_once(admin, session, app):
    user = make_staff(session, "op", Role.OPERATOR)
    operator = app.test_client()
    assert login(operator, "op").status_code == 303
    assert operator.get("/staff/").status_code == 200

    response = admin.post(f"/staff/admin/accounts/{user.id}/active",
                          data={"csrf_token": form_tokens(admin, "/staff/admin/accounts")
                                ["csrf_token"]})

    assert response.status_code == 303
    assert operator.get("/staff/").status_code == 302
    assert login(app.test_client(), "op").status_code == 401
    session.rollback()
    actions = session.scalars(select(SecurityEvent.action)).all()
    assert "disable_account" in actions


@pytest.mark.parametrize("url", ["/staff/admin/accounts", "/staff/admin/departments",
                                 "/staff/admin/categories", "/staff/admin/calendar",
                                 "/staff/admin/metrics"])
def test_admin_pages_are_for_admins_only(app, session, url):
    make_staff(session, "sup", Role.SUPERVISOR)
    client = app.test_client()
    login(client, "sup")
    assert client.get(url).status_code == 403
