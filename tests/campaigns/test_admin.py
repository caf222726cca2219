"""Running campaigns from the back office: who may, bad input kept and refused in Chinese,
each change audited."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from sqlalchemy import select

from portal.auth.models import SecurityEvent
from portal.campaigns.models import Campaign
from portal.cases.workflow import Role
from portal.clock import local_today
from tests.helpers import count, field_errors, form_tokens, login, make_staff
from tests.helpers.letters import jpeg, pdf

NEW = "/staff/campaigns/new"


def staff_client(app: Any, session: Any, username: str, *roles: Role,
                 department: Any = None) -> Any:
    make_staff(session, username, *roles, department=department)
    browser = app.test_client()
    assert login(browser, username).status_code == 303
    return browser


@pytest.fixture
def admin(app: Any, session: Any) -> Any:
    return staff_client(app, session, "root", Role.ADMIN)


def campaign_data(department_id: int, **overrides: Any) -> dict[str, Any]:
    today = local_today()
    data = {"title": "城市慢行系统建议征集", "description": "围绕步行和自行车出行环境征集建议。",
            "department": str(department_id), "opens_on": str(today),
            "closes_on": str(today + dt.timedelta(days=30)),
            "questions": "哪些路段最需要改善步行环境？\n\n自行车停放有什么好办法？"}
    data.update(overrides)
    return data


def post(browser: Any, url: str, data: dict[str, Any], page: str | None = None) -> Any:
    """POST ``data`` with the CSRF token of ``page`` (default: ``url``)."""
    tokens = form_tokens(browser, page or url)
    return browser.post(url, data={"csrf_token": tokens["csrf_token"], **data},
                        content_type="multipart/form-data")


def events(session: Any, action: str) -> list[SecurityEvent]:
    session.rollback()
    return list(session.scalars(select(SecurityEvent).where(SecurityEvent.action == action)))


ROUTES = [("get", NEW), ("get", "/staff/campaigns"), ("get", "/staff/campaigns/{id}"),
          ("get", "/staff/campaigns/{id}/edit"), ("post", "/staff/campaigns/{id}/open"),
          ("post", "/staff/campaigns/{id}/close"), ("post", "/staff/campaigns/{id}/extend"),
          ("post", "/staff/campaigns/{id}/results")]


@pytest.mark.parametrize(("method", "url"), ROUTES)
def test_campaign_pages_send_anonymous_visitors_to_the_login(client, make_campaign, method,
                                                            url):
    # A valid CSRF token, so that only the login check can stop the request.
    token = form_tokens(client, "/staff/login")["csrf_token"]
    response = getattr(client, method)(url.format(id=make_campaign().id),
                                       data={"csrf_token": token})
    assert response.status_code == 302
    assert "/staff/login" in response.headers["Location"]


MANAGER_ONLY = [r for r in ROUTES if r[1] not in {"/staff/campaigns", "/staff/campaigns/{id}",
                                                  "/staff/campaigns/{id}/results"}]


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.MODERATOR, Role.HANDLER])
@pytest.mark.parametrize(("method", "url"), MANAGER_ONLY)
def test_only_admins_and_supervisors_run_campaigns(app, session, make_campaign, method, url,
                                                   role):
    campaign = make_campaign()
    browser = staff_client(app, session, "someone", role, department=campaign.department)
    token = form_tokens(browser, "/staff/account/password")["csrf_token"]
    response = getattr(browser, method)(url.format(id=campaign.id), data={"csrf_token": token})
    assert response.status_code == 403


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.MODERATOR])
def test_staff_outside_the_campaign_cannot_see_its_page(app, session, make_campaign, role):
    campaign = make_campaign()
    browser = staff_client(app, session, "someone", role)
    assert browser.get(f"/staff/campaigns/{campaign.id}").status_code == 403


def test_a_handler_of_another_department_cannot_write_the_results(app, session, make_campaign,
                                                                  make_department):
    campaign = make_campaign(-30, -1)
    browser = staff_client(app, session, "other", Role.HANDLER,
                           department=make_department("市水务局"))
    assert browser.get(f"/staff/campaigns/{campaign.id}").status_code == 403
    token = form_tokens(browser, "/staff/account/password")["csrf_token"]
    assert browser.post(f"/staff/campaigns/{campaign.id}/results",
                        data={"summary": "共收到建议若干条。", "csrf_token": token}
                        ).status_code == 403


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SUPERVISOR])
def test_a_manager_creates_a_campaign_with_its_questions_and_cover(app, session,
                                                                   make_department, role):
    department = make_department("市交通运输局")
    browser = staff_client(app, session, "boss", role)

    response = post(browser, NEW, {**campaign_data(department.id),
                                   "cover": (io.BytesIO(jpeg()), "封面.jpg")})

    assert response.status_code == 303
    session.rollback()
    campaign = session.scalars(select(Campaign)).one()
    assert campaign.question_list == ["哪些路段最需要改善步行环境？", "自行车停放有什么好办法？"]
    assert campaign.cover_type == "image/jpeg"
    assert [e.object_id for e in events(session, "create_campaign")] == [campaign.id]
    page = app.test_client().get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "自行车停放有什么好办法？" in page
    form = app.test_client().get(f"/suggestions/new?campaign={campaign.id}")
    assert "哪些路段最需要改善步行环境？" in form.get_data(as_text=True)
    cover = app.test_client().get(f"/campaigns/{campaign.id}/cover")
    assert cover.status_code == 200
    assert cover.mimetype == "image/jpeg"
    assert cover.data[:2] == b"\xff\xd8"


BAD_INPUT = [
    ({"title": ""}, "title", "请填写征集主题"),
    ({"department": ""}, "department", "请选择承办单位"),
    ({"department": "abc"}, "department", "请选择承办单位"),
    ({"opens_on": ""}, "opens_on", "请选择开始日期"),
    ({"closes_on": "2020-02-30"}, "closes_on", ""),
    ({"opens_on": "2030-05-10", "closes_on": "2030-05-09"}, "closes_on", "截止日期不能早于开始日期"),
    ({"cover": (b"<svg onload=alert(1)>", "x.png")}, "cover", "不是 JPEG、PNG 图片"),
    ({"cover": (pdf(), "方案.pdf")}, "cover", "封面须为 JPEG 或 PNG 图片"),
    ({"questions": "\n".join(f"问题{i}" for i in range(21))}, "questions", "最多 20 个问题"),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD_INPUT,
                         ids=[b[1] + str(i) for i, b in enumerate(BAD_INPUT)])
def test_bad_campaign_input_is_refused_beside_its_field_and_kept(admin, session,
                                                                  make_department, change,
                                                                  field, message):
    department = make_department("市交通运输局")
    if "cover" in change:  # a fresh file for each run: the test client closes it
        data, name = change["cover"]
        change = {"cover": (io.BytesIO(data), name)}

    response = post(admin, NEW, campaign_data(department.id, **change))

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    errors = field_errors(html, field)
    assert errors
    assert message in errors
    assert "围绕步行和自行车出行环境征集建议。" in html  # the input is kept
    assert count(session, Campaign) == 0
    assert events(session, "create_campaign") == []


def test_editing_changes_the_campaign_and_is_audited(admin, session, make_campaign,
                                                     make_department):
    campaign = make_campaign()
    water = make_department("市水务局")
    url = f"/staff/campaigns/{campaign.id}/edit"
    assert "老旧小区改造金点子征集" in admin.get(url).get_data(as_text=True)

    response = post(admin, url, campaign_data(water.id, title="老旧小区排水改造建议征集"))

    assert response.status_code == 303
    session.rollback()
    session.refresh(campaign)
    assert (campaign.title, campaign.department_id) == ("老旧小区排水改造建议征集", water.id)
    assert [e.object_id for e in events(session, "edit_campaign")] == [campaign.id]


def test_an_edit_with_the_period_reversed_changes_nothing(admin, session, make_campaign):
    campaign = make_campaign()
    before = (campaign.title, campaign.closes_on)
    response = post(admin, f"/staff/campaigns/{campaign.id}/edit", campaign_data(
        campaign.department_id, title="改过的主题", opens_on="2030-05-10", closes_on="2030-05-01"))

    assert response.status_code == 400
    assert "截止日期不能早于开始日期" in field_errors(response.get_data(as_text=True), "closes_on")
    session.rollback()
    session.refresh(campaign)
    assert (campaign.title, campaign.closes_on) == before
    assert events(session, "edit_campaign") == []


def test_open_close_and_extend_change_the_period_and_are_audited(admin, session,
                                                                 make_campaign, client):
    campaign = make_campaign(5, 30)
    page = f"/staff/campaigns/{campaign.id}"
    today = local_today()

    assert post(admin, f"{page}/open", {}, page).status_code == 303
    assert "我要提建议" in client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert post(admin, f"{page}/close", {}, page).status_code == 303
    assert client.get(f"/suggestions/new?campaign={campaign.id}").status_code == 403
    later = today + dt.timedelta(days=60)
    assert post(admin, f"{page}/extend", {"closes_on": str(later)}, page).status_code == 303

    session.rollback()
    session.refresh(campaign)
    assert (campaign.opens_on, campaign.closes_on, campaign.closed_at) == (today, later, None)
    assert campaign.is_open(today)
    for action in ("open_campaign", "close_campaign", "extend_campaign"):
        assert [e.object_id for e in events(session, action)] == [campaign.id], action


@pytest.mark.parametrize("closes_on", ["", "2001-01-01", "tomorrow"])
def test_extending_to_an_earlier_or_no_day_is_refused_beside_the_field(admin, session,
                                                                      make_campaign, closes_on):
    campaign = make_campaign(-5, 30)
    page = f"/staff/campaigns/{campaign.id}"

    response = post(admin, f"{page}/extend", {"closes_on": closes_on}, page)

    assert response.status_code == 400
    assert field_errors(response.get_data(as_text=True), "closes_on")
    assert events(session, "extend_campaign") == []


def test_results_are_written_only_after_closing_by_the_campaigns_department(
        app, session, make_campaign):
    campaign = make_campaign(-5, 30)
    handler = staff_client(app, session, "h1", Role.HANDLER, department=campaign.department)
    page = f"/staff/campaigns/{campaign.id}"
    summary = "本次征集共收到建议 120 条，采纳 12 条，将纳入明年改造计划。"

    assert "征集结束后" in handler.get(page).get_data(as_text=True)  # no form yet
    # A form kept open from before a reopening: the token of any page will do.
    early = post(handler, f"{page}/results", {"summary": summary}, "/staff/account/password")
    assert early.status_code == 400
    assert "征集结束后才能发布结果" in field_errors(early.get_data(as_text=True), "summary")
    campaign.closes_on = local_today() - dt.timedelta(days=1)
    session.commit()
    too_short = post(handler, f"{page}/results", {"summary": "好"}, page)
    assert too_short.status_code == 400
    assert "请填写 10 至" in field_errors(too_short.get_data(as_text=True), "summary")
    assert post(handler, f"{page}/results", {"summary": summary}, page).status_code == 303

    assert summary in app.test_client().get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert [e.object_id for e in events(session, "write_campaign_results")] == [campaign.id]
