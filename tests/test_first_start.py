"""Acceptance (issue 13): a new office runs the portal from an empty database.

`init-db` and `create-staff … --role admin` only; then the admin follows the 设置清单
through the web pages (departments, categories, holiday calendar, staff accounts, a
campaign), a citizen sends a suggestion to the campaign, the operator accepts and
assigns it, the department's handler answers it as adopted, the operator replies, a
moderator publishes it, the campaign is closed with a results summary, and the public
campaign page shows the suggestion among the results with the department's response.
Every step goes through the Flask test client with the CSRF tokens a browser sends."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine, select, text

from portal.auth.models import SecurityEvent, StaffUser
from portal.auth.services import STAFF_ROLES
from portal.campaigns.models import Campaign
from portal.cases.models import CalendarDay, Case, CaseEvent, Category, Department
from portal.cases.workflow import Action, Adoption, Channel, Role, Status
from portal.clock import local_today
from portal.db import db
from portal.wall.models import Publication
from tests.helpers import (
    act,
    form_tokens,
    hidden_fields,
    postgres_database,
    suggestion_data,
)
from tests.helpers.desk import published

DEPARTMENT = "市住房和城乡建设委员会"
CATEGORY = "城乡建设"
CAMPAIGN = "老旧小区加装电梯建议征集"
TITLE = "老旧小区加装电梯应统一协调"
ANSWER = "经研究，此建议切实可行，我委已将老旧小区加装电梯纳入明年改造计划并给予补贴。"
REPLY = "您好：您关于老旧小区加装电梯的建议已被采纳，我委已将其纳入明年改造计划，感谢您的建议。"
SUMMARY = "本次征集共收到建议 1 条，采纳 1 条，已纳入明年老旧小区改造计划。"
FIRST_PASSWORD = "Temporary-granite-owl-31"  # typed by someone else: changed at first sign-in
PASSWORDS = {"root": "Lantern-orbit-cobalt-97", "wang": "Meadow-copper-violin-58",
             "handler": "Harbor-pepper-walnut-64", "zhaomod": "Glacier-tulip-anchor-29"}


# --- an empty database of the test's own -------------------------------------------------------

@pytest.fixture
def empty_url(database_url: str, tmp_path: Any) -> str:
    """An empty database on the backend under test (no tables at all)."""
    if database_url.startswith("postgresql"):
        url = postgres_database("first_start")
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        return url
    (tmp_path / "fresh").mkdir()
    return f"sqlite:///{tmp_path / 'fresh' / 'portal.db'}"


@pytest.fixture
def fresh(make_app: Any, empty_url: str) -> Iterator[tuple[Any, Any]]:
    """The app on the empty database, and a session of the test's own to read it."""
    app = make_app(DATABASE_URL=empty_url)
    twin = make_app(DATABASE_URL=empty_url)
    with twin.app_context():
        own = db.new_session(twin)
        yield app, own
        own.close()


# --- what a browser does ---------------------------------------------------------------------

def path(response: Any) -> str:
    return urlsplit(response.headers.get("Location", "")).path


def post(browser: Any, url: str, data: dict[str, Any], page: str | None = None,
         **kwargs: Any) -> Any:
    """POST ``data`` with the CSRF token of the form on ``page`` (default: ``url``)."""
    return browser.post(url, data={**form_tokens(browser, page or url), **data}, **kwargs)


def text_of(browser: Any, url: str) -> str:
    response = browser.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def sign_in_first_time(app: Any, username: str, password: str) -> Any:
    """Sign in with a password someone else chose, and set one's own at once."""
    browser = app.test_client()
    tokens = form_tokens(browser, "/staff/login")
    response = browser.post("/staff/login", data={**tokens, "username": username,
                                                  "password": password})
    assert response.status_code == 303 and path(response) == "/staff/login/password"
    new = PASSWORDS[username]
    response = post(browser, "/staff/login/password", {
        "current_password": password, "new_password": new, "confirm_password": new})
    assert response.status_code == 303 and path(response) == "/staff/", \
        response.get_data(as_text=True)
    return browser


def checklist(browser: Any) -> dict[str, str]:
    """The 设置清单 on the dashboard: label -> "done" or "missing" ({} when not shown)."""
    page = text_of(browser, "/staff/")
    items = re.findall(r'<li class="(done|missing)">\s*<strong>[^<]*</strong>\s*'
                       r'<a href="[^"]*">([^<]+)</a>', page)
    return {label: state for state, label in items}


def option_value(page: str, field: str, label: str) -> str:
    """The value of the option ``label`` of the select ``field`` (as a browser picks it)."""
    select_html = re.search(rf'<select[^>]*name="{field}"[^>]*>(.*?)</select>', page, re.S)
    assert select_html, f"no select {field!r}"
    found = re.search(rf'<option[^>]*value="([^"]*)"[^>]*>\s*{re.escape(label)}',
                      select_html.group(1))
    assert found, f"{label!r} is not offered in {field!r}"
    return found.group(1)


def role_value(role: Role) -> str:
    return str(STAFF_ROLES.index(role) + 1)


# --- the test ----------------------------------------------------------------------------------

def test_a_new_office_runs_a_campaign_from_an_empty_database(fresh: Any, smtp: Any) -> None:
    app, session = fresh
    runner = app.test_cli_runner()
    today = local_today()

    # 1. The install: migrate the empty database, create the first admin on the command line.
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["create-staff", "root", "--role", "admin",
                                 "--password", FIRST_PASSWORD])
    assert result.exit_code == 0, result.output
    assert "已创建工作人员账号 root" in result.output
    assert session.scalar(select(Department.id)) is None
    assert session.scalar(select(Category.id)) is None

    # 2. The admin signs in, changes the password, and sees what is missing.
    admin = sign_in_first_time(app, "root", FIRST_PASSWORD)
    listed = checklist(admin)
    assert listed["承办单位"] == listed["问题类别"] == "missing"
    assert listed["邮件设置"] == listed["接口客户端（Open311）"] == "missing"
    dashboard = text_of(admin, "/staff/")
    assert "尚未添加承办单位" in dashboard and "尚未添加问题类别" in dashboard

    # 3. A department and a category through the admin pages.
    response = post(admin, "/staff/admin/departments",
                    {"name": DEPARTMENT, "email": "zjw@city.example"})
    assert response.status_code == 303 and path(response) == "/staff/admin/departments"
    assert f"已添加承办单位“{DEPARTMENT}”" in text_of(admin, "/staff/admin/departments")
    response = post(admin, "/staff/admin/categories", {"name": CATEGORY, "sort_order": "1"})
    assert response.status_code == 303 and path(response) == "/staff/admin/categories"
    assert f"已添加类别“{CATEGORY}”" in text_of(admin, "/staff/admin/categories")

    # 4. The holiday calendar, for the years the checklist names (the package may know them).
    listed = checklist(admin)
    assert listed["承办单位"] == listed["问题类别"] == "done"
    entered: list[int] = []
    if listed["节假日安排"] == "missing":
        dashboard = text_of(admin, "/staff/")
        for year in (today.year, today.year + 1):
            if str(year) not in dashboard.split("节假日安排", 1)[1].split("</li>", 1)[0]:
                continue
            response = post(admin, "/staff/admin/calendar", {
                "day": f"{year}-10-01", "is_working": "0", "note": "国庆节"})
            assert response.status_code == 303, response.get_data(as_text=True)
            assert f"已保存 {year}-10-01 的安排" in text_of(admin, "/staff/admin/calendar")
            entered.append(year)
    listed = checklist(admin)
    assert listed["节假日安排"] == "done"

    # 5. Staff accounts through the accounts page: an operator, a handler, a moderator.
    page = text_of(admin, "/staff/admin/accounts")
    department_value = option_value(page, "department", DEPARTMENT)
    for username, name, role, department in (
            ("wang", "受理员小王", Role.OPERATOR, ""),
            ("handler", "住建委小李", Role.HANDLER, department_value),
            ("zhaomod", "审核员小赵", Role.MODERATOR, "")):
        response = post(admin, "/staff/admin/accounts", {
            "username": username, "display_name": name, "email": f"{username}@city.example",
            "roles": [role_value(role)], "department": department,
            "password": FIRST_PASSWORD})
        assert response.status_code == 303, response.get_data(as_text=True)
        assert f"已创建账号 {username}" in text_of(admin, "/staff/admin/accounts")
    session.rollback()
    staff = {u.username: u for u in session.scalars(select(StaffUser))}
    assert staff["handler"].roles == {Role.HANDLER}
    assert staff["handler"].department.name == DEPARTMENT
    assert staff["wang"].roles == {Role.OPERATOR} and staff["zhaomod"].roles == {Role.MODERATOR}

    # 6. A campaign run by the department: created as upcoming, then opened today.
    form = text_of(admin, "/staff/campaigns/new")
    response = post(admin, "/staff/campaigns/new", {
        "title": CAMPAIGN, "description": "围绕老旧小区加装电梯的资金、审批和协调征集市民建议。",
        "department": option_value(form, "department", DEPARTMENT),
        "opens_on": str(today + dt.timedelta(days=3)),
        "closes_on": str(today + dt.timedelta(days=30)),
        "questions": "加装电梯的费用如何分摊？\n低层住户的意见如何协调？"},
        content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)
    found = re.fullmatch(r"/staff/campaigns/(\d+)", path(response))
    assert found, path(response)
    campaign_id = int(found.group(1))
    staff_page = f"/staff/campaigns/{campaign_id}"
    citizen = app.test_client()
    assert "我要提建议" not in text_of(citizen, f"/campaigns/{campaign_id}")  # not yet open
    response = post(admin, f"{staff_page}/open", {}, staff_page)
    assert response.status_code == 303 and path(response) == staff_page
    assert "征集已开始" in text_of(admin, staff_page)
    assert CAMPAIGN in text_of(admin, "/staff/campaigns")
    listed = checklist(admin)
    assert {k: listed[k] for k in ("承办单位", "问题类别", "节假日安排")} == dict.fromkeys(
        ("承办单位", "问题类别", "节假日安排"), "done")

    # 7. A citizen finds the campaign and sends a suggestion through its form.
    assert CAMPAIGN in text_of(citizen, "/campaigns")
    public = text_of(citizen, f"/campaigns/{campaign_id}")
    assert "我要提建议" in public and "加装电梯的费用如何分摊？" in public
    link = re.search(r'href="(/suggestions/new\?campaign=\d+)"', public)
    assert link, "the campaign page links no suggestion form"
    form = text_of(citizen, link.group(1))
    assert "低层住户的意见如何协调？" in form
    data = suggestion_data(option_value(form, "category", CATEGORY), title=TITLE,
                           consent_publish="y", email="citizen@example.com")
    response = citizen.post(link.group(1), data={**hidden_fields(form), **data})
    assert response.status_code == 303, response.get_data(as_text=True)
    assert citizen.get(response.headers["Location"]).status_code == 200
    session.rollback()
    case = session.scalars(select(Case).where(Case.title == TITLE)).one()
    assert (case.channel, case.campaign_id) == (Channel.SUGGESTION, campaign_id)
    case_page = f"/staff/cases/{case.id}"

    # 8. The operator accepts it and assigns it to the campaign's department.
    operator = sign_in_first_time(app, "wang", FIRST_PASSWORD)
    assert TITLE in text_of(operator, case_page)
    assert act(operator, case.id, "accept").status_code == 303
    page = text_of(operator, case_page)
    response = act(operator, case.id, "assign",
                   department=option_value(page, "assign-department", DEPARTMENT),
                   note="请研究答复")
    assert response.status_code == 303, response.get_data(as_text=True)

    # 9. The handler sees it in the campaign's queue and answers it as adopted.
    handler = sign_in_first_time(app, "handler", FIRST_PASSWORD)
    assert TITLE in text_of(handler, f"/staff/queues/campaign?campaign={campaign_id}")
    response = act(handler, case.id, "answer", answer=ANSWER, adoption=Adoption.ADOPTED.value)
    assert response.status_code == 303, response.get_data(as_text=True)

    # 10. The operator replies to the citizen.
    response = act(operator, case.id, "reply", reply=REPLY)
    assert response.status_code == 303, response.get_data(as_text=True)
    session.rollback()
    assert session.get(Case, case.id).status == Status.REPLIED

    # 11. A moderator publishes it on the wall.
    moderator = sign_in_first_time(app, "zhaomod", FIRST_PASSWORD)
    assert TITLE in text_of(moderator, f"/staff/publication/{case.id}")
    desk = _Desk(app, moderator)
    publication_id = published(desk, case.id)
    wall = text_of(citizen, f"/wall/{publication_id}")
    assert DEPARTMENT in wall and "纳入明年改造计划" in wall
    assert "0571-87654321" not in wall and "citizen@example.com" not in wall

    # 12. Before closing the results are not shown; the admin closes and writes the summary.
    assert "征集结果" not in text_of(citizen, f"/campaigns/{campaign_id}")
    response = post(admin, f"{staff_page}/close", {}, staff_page)
    assert response.status_code == 303 and path(response) == staff_page
    assert "征集已结束" in text_of(admin, staff_page)
    assert citizen.get(f"/suggestions/new?campaign={campaign_id}").status_code == 403
    response = post(admin, f"{staff_page}/results", {"summary": SUMMARY}, staff_page)
    assert response.status_code == 303, response.get_data(as_text=True)
    assert "征集结果已发布" in text_of(admin, staff_page)

    # 13. The public campaign page shows the result with the department's response.
    public = text_of(app.test_client(), f"/campaigns/{campaign_id}")
    assert "征集结果" in public and SUMMARY in public
    assert "已收到建议 1 条" in public
    assert TITLE in public and "采纳" in public
    assert "纳入明年改造计划" in public
    assert "我要提建议" not in public
    assert "0571-87654321" not in public and "citizen@example.com" not in public

    # 14. What the database holds.
    session.rollback()
    assert [d.name for d in session.scalars(select(Department))] == [DEPARTMENT]
    assert [c.name for c in session.scalars(select(Category))] == [CATEGORY]
    assert sorted(u.username for u in session.scalars(select(StaffUser))) == [
        "handler", "root", "wang", "zhaomod"]
    assert not any(u.must_change_password for u in session.scalars(select(StaffUser)))
    campaign = session.get(Campaign, campaign_id)
    assert campaign.department.name == DEPARTMENT
    assert campaign.opens_on == today and campaign.closed_at is not None
    assert SUMMARY in (campaign.results_summary or "")
    case = session.get(Case, case.id)
    assert case.status == Status.REPLIED and case.adoption == Adoption.ADOPTED
    assert case.department.name == DEPARTMENT and case.category.name == CATEGORY
    actions = [e.action for e in session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id))]
    for action in (Action.SUBMIT, Action.ACCEPT, Action.ASSIGN, Action.ANSWER, Action.REPLY):
        assert action in actions, action
    assert session.scalars(select(Publication).where(Publication.case_id == case.id)).one()
    audited = {e.action for e in session.scalars(select(SecurityEvent))}
    assert {"create_account", "password_changed", "add_department", "add_category",
            "create_campaign", "open_campaign", "close_campaign",
            "write_campaign_results"} <= audited, audited
    assert sorted(d.day.year for d in session.scalars(select(CalendarDay))) == entered
    if entered:
        assert "edit_calendar" in audited, audited


class _Desk:
    """What ``tests.helpers.desk.published`` needs: the moderator's browser."""

    def __init__(self, app: Any, moderator: Any) -> None:
        self.app = app
        self.moderator = moderator
