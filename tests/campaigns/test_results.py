"""What a campaign yields: its results page after closing, the wall and search filtered by
campaign, and the campaign's suggestions as its department's queue."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from portal.cases.handling import accept_case, answer_case, assign_case, reply_case
from portal.cases.models import Case
from portal.cases.workflow import Actor, Adoption, Role
from portal.clock import local_today
from portal.wall.services import publish_case
from tests.helpers import login, make_staff, post_form, suggestion_data

OPERATOR = Actor(Role.OPERATOR, frozenset({Role.OPERATOR}))
MODERATOR = Actor(Role.MODERATOR, frozenset({Role.MODERATOR}))


def suggest(client: Any, session: Any, category: Any, campaign: Any | None, title: str) -> Case:
    url = "/suggestions/new" + (f"?campaign={campaign.id}" if campaign else "")
    data = suggestion_data(category.id, title=title, consent_publish="y")
    assert post_form(client, url, data).status_code == 303
    session.rollback()
    return session.scalars(select(Case).where(Case.title == title)).one()


def answered(session: Any, case: Any, department: Any, adoption: Adoption,
             publish: bool = True) -> Case:
    """Accept, assign, answer with ``adoption``, reply, and publish (or not)."""
    handler = Actor(Role.HANDLER, frozenset({Role.HANDLER}), department_id=department.id)
    accept_case(session, case, OPERATOR)
    assign_case(session, case, OPERATOR, department)
    answer_case(session, case, handler, "经研究，此建议切实可行，已纳入明年计划。", adoption)
    reply_case(session, case, OPERATOR, f"您好：关于“{case.title}”，经研究已纳入明年计划，感谢建议。")
    if publish:
        publish_case(session, case, MODERATOR, title=case.title, letter=case.content,
                     reply=f"关于“{case.title}”，经研究已纳入明年计划，感谢建议。")
    session.commit()
    return case


@pytest.fixture
def harvest(client: Any, session: Any, category: Any, make_campaign: Any) -> Any:
    """A campaign with a published adopted suggestion, an unpublished adopted one, a
    published one not adopted; another campaign's and an ordinary published suggestion."""
    campaign = make_campaign(-20, 10, title="老旧小区改造金点子征集")
    other = make_campaign(-21, 11, title="公交线网优化建议征集")
    dep = campaign.department
    cases = {
        "published": suggest(client, session, category, campaign, "楼道加装声控照明灯"),
        "private": suggest(client, session, category, campaign, "增设电动自行车充电桩"),
        "declined": suggest(client, session, category, campaign, "小区内全部改为步行区"),
        "other": suggest(client, session, category, other, "增开夜间公交照明线路"),
        "plain": suggest(client, session, category, None, "公园增设照明路灯"),
    }
    answered(session, cases["published"], dep, Adoption.PARTLY_ADOPTED)
    answered(session, cases["private"], dep, Adoption.ADOPTED, publish=False)
    answered(session, cases["declined"], dep, Adoption.NOT_ADOPTED)
    answered(session, cases["other"], other.department, Adoption.ADOPTED)
    answered(session, cases["plain"], dep, Adoption.ADOPTED)
    return campaign, other, cases


def close(session: Any, campaign: Any) -> None:
    campaign.closes_on = local_today() - dt.timedelta(days=1)
    session.commit()


def test_the_results_after_closing_show_published_adopted_suggestions_only(client, session,
                                                                           harvest):
    campaign, _, cases = harvest
    open_page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "征集结果" not in open_page
    close(session, campaign)

    html = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)

    assert "征集结果" in html
    assert "已收到建议 3 条" in html
    assert "楼道加装声控照明灯" in html and "部分采纳" in html
    assert "经研究已纳入明年计划" in html  # the department's response
    for hidden in ("增设电动自行车充电桩", "小区内全部改为步行区", "增开夜间公交照明线路",
                   "公园增设照明路灯"):
        assert hidden not in html
    assert "正在整理征集结果" in html  # no summary written yet
    assert "0571-87654321" not in html  # the citizen's phone


def test_a_closed_campaign_without_published_adoptions_says_so(client, session,
                                                               make_campaign):
    campaign = make_campaign(-30, -1)
    html = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "暂无公开的采纳建议" in html
    assert "正在整理征集结果" in html


def titles(html: str) -> set[str]:
    return {t for t in ("楼道加装声控照明灯", "增设电动自行车充电桩", "小区内全部改为步行区",
                        "增开夜间公交照明线路", "公园增设照明路灯") if t in html}


def test_the_wall_filters_by_campaign(client, harvest):
    campaign, other, _ = harvest
    everything = client.get("/wall").get_data(as_text=True)
    assert f'<option value="{campaign.id}">老旧小区改造金点子征集</option>' in everything

    assert titles(client.get(f"/wall?campaign={campaign.id}").get_data(as_text=True)) == {
        "楼道加装声控照明灯", "小区内全部改为步行区"}
    assert titles(client.get(f"/wall?campaign={other.id}").get_data(as_text=True)) == {
        "增开夜间公交照明线路"}
    assert len(titles(client.get("/wall?campaign=abc").get_data(as_text=True))) == 4


def test_search_and_its_api_filter_by_campaign(client, harvest):
    campaign, other, _ = harvest

    page = client.get(f"/search?q=照明&campaign={campaign.id}").get_data(as_text=True)
    api = client.get(f"/api/search?q=照明&campaign={other.id}").get_json()

    assert titles(page) == {"楼道加装声控照明灯"}
    assert [r["title"] for r in api["results"]] == ["增开夜间公交照明线路"]
    assert len(client.get("/api/search?q=照明").get_json()["results"]) == 3


def test_the_openapi_document_names_the_campaign_filter(client):
    spec = client.get("/api/openapi.json").get_json()
    params = spec["paths"]["/api/search"]["get"]["parameters"]
    assert "campaign" in {p.get("name") for p in params}


def queue_titles(browser: Any, campaign: Any = None) -> set[str]:
    url = "/staff/queues/campaign" + (f"?campaign={campaign.id}" if campaign else "")
    response = browser.get(url)
    assert response.status_code == 200
    return titles(response.get_data(as_text=True))


def test_the_campaigns_department_sees_its_campaign_suggestions_as_a_queue(
        app, session, harvest, make_department):
    campaign, other, cases = harvest
    own = make_staff(session, "h-own", Role.HANDLER, department=campaign.department)
    stranger = make_staff(session, "h-other", Role.HANDLER, department=make_department("市水务局"))
    supervisor = make_staff(session, "sup", Role.SUPERVISOR)
    browsers = {}
    for user in (own, stranger, supervisor):
        browsers[user.username] = app.test_client()
        assert login(browsers[user.username], user.username).status_code == 303

    assert queue_titles(browsers["h-own"]) == {"楼道加装声控照明灯", "增设电动自行车充电桩",
                                               "小区内全部改为步行区"}
    assert queue_titles(browsers["h-other"]) == set()
    assert queue_titles(browsers["sup"], other) == {"增开夜间公交照明线路"}
    assert len(queue_titles(browsers["sup"])) == 4
