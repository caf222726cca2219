"""Themed suggestion campaigns (专项征集): suggestions inside a campaign, its open period in
the city's calendar days, and the campaign pages, through the real HTTP stack."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from sqlalchemy import select

from portal.campaigns.models import Campaign
from portal.cases.models import Case
from portal.cases.workflow import Channel, Kind, Status
from tests.helpers import SUGGESTION_URL as URL
from tests.helpers import count, field_errors, form_tokens, post_form, suggestion_data


def campaign_url(campaign: Any) -> str:
    return f"{URL}?campaign={campaign.id}"


def test_a_suggestion_inside_an_open_campaign_belongs_to_it(client, session, category,
                                                           make_campaign):
    campaign = make_campaign(opens_in_days=-5, closes_in_days=30)

    form = client.get(campaign_url(campaign))
    response = post_form(client, campaign_url(campaign), suggestion_data(category.id))

    assert form.status_code == 200
    assert campaign.title in form.get_data(as_text=True)
    assert response.status_code == 303
    session.rollback()
    case = session.scalars(select(Case)).one()
    assert case.campaign_id == campaign.id
    assert (case.channel, case.kind, case.status) == (Channel.SUGGESTION, Kind.SUGGESTION,
                                                      Status.SUBMITTED)


def test_an_invalid_suggestion_inside_a_campaign_stays_on_the_campaign_form(
        client, session, category, make_campaign):
    campaign = make_campaign()

    response = post_form(client, campaign_url(campaign), suggestion_data(category.id, title=""))

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert campaign.title in html
    assert "请填写建议标题" in field_errors(html, "title")
    assert count(session, Case) == 0


PHASES = [
    # opens_in_days, closes_in_days, open?, refusal heading
    (-10, 0, True, None),           # the closing day itself still takes suggestions
    (0, 10, True, None),            # so does the opening day
    (0, 0, True, None),             # a one-day campaign
    (-10, -1, False, "征集已经结束"),
    (1, 10, False, "征集尚未开始"),
]


@pytest.mark.parametrize(("opens", "closes", "is_open", "heading"), PHASES,
                         ids=["closing-day", "opening-day", "one-day", "closed", "upcoming"])
def test_campaign_forms_take_suggestions_only_between_opening_and_closing_day(
        client, session, category, make_campaign, opens, closes, is_open, heading):
    campaign = make_campaign(opens_in_days=opens, closes_in_days=closes)
    # The tokens come from the general form, as for a page left open past the closing day.
    tokens = form_tokens(client, URL)

    page = client.get(campaign_url(campaign))
    post = client.post(campaign_url(campaign), data={**tokens, **suggestion_data(category.id)})

    if is_open:
        assert page.status_code == 200
        assert post.status_code == 303
        assert count(session, Case, Case.campaign_id == campaign.id) == 1
    else:
        for response in (page, post):
            assert response.status_code == 403
            html = response.get_data(as_text=True)
            assert heading in html
            assert campaign.title in html
            assert 'href="/suggestions/new"' in html  # the way to an ordinary suggestion
        assert count(session, Case) == 0


@pytest.mark.parametrize("campaign_id", ["999999", "abc", "-1"])
def test_an_unknown_campaign_is_not_found(client, session, category, campaign_id):
    tokens = form_tokens(client, URL)

    page = client.get(f"{URL}?campaign={campaign_id}")
    post = client.post(f"{URL}?campaign={campaign_id}",
                       data={**tokens, **suggestion_data(category.id)})

    assert page.status_code == 404
    assert post.status_code == 404
    assert "页面不存在" in page.get_data(as_text=True)
    assert count(session, Case) == 0


def at_utc(monkeypatch: pytest.MonkeyPatch, *when: int) -> None:
    """Set the clock that decides the city's date (the rest of the app keeps real time)."""
    moment = dt.datetime(*when, tzinfo=dt.UTC)
    monkeypatch.setattr("portal.clock.utcnow", lambda: moment)


@pytest.fixture
def june_campaign(session: Any, make_department: Any) -> Campaign:
    campaign = Campaign(title="夏季防汛建议征集", description="征集防汛建议。",
                        department=make_department("市水务局"),
                        opens_on=dt.date(2025, 6, 1), closes_on=dt.date(2025, 6, 30))
    session.add(campaign)
    session.commit()
    return campaign


@pytest.mark.parametrize(("utc", "status", "text"), [
    ((2025, 6, 30, 15, 59), 200, "夏季防汛建议征集"),   # 23:59 on 30 June in Shanghai
    ((2025, 6, 30, 16, 0), 403, "征集已经结束"),       # 00:00 on 1 July in Shanghai, UTC still 30 June
    ((2025, 5, 31, 16, 0), 200, "夏季防汛建议征集"),   # 00:00 on 1 June in Shanghai, UTC still 31 May
    ((2025, 5, 31, 15, 59), 403, "征集尚未开始"),      # 23:59 on 31 May in Shanghai
], ids=["last-minute-of-closing-day", "first-minute-after", "first-minute-of-opening-day",
        "last-minute-before"])
def test_campaign_days_are_counted_in_the_citys_time_zone(client, june_campaign, monkeypatch,
                                                          utc, status, text):
    at_utc(monkeypatch, *utc)

    page = client.get(campaign_url(june_campaign))
    detail = client.get(f"/campaigns/{june_campaign.id}").get_data(as_text=True)

    assert page.status_code == status
    assert text in page.get_data(as_text=True)
    assert ("我要提建议" in detail) is (status == 200)


def test_a_suggestion_sent_in_the_last_minute_of_the_closing_day_is_taken(
        client, session, category, june_campaign, monkeypatch):
    at_utc(monkeypatch, 2025, 6, 30, 15, 59)
    tokens = form_tokens(client, campaign_url(june_campaign))

    response = client.post(campaign_url(june_campaign),
                           data={**tokens, **suggestion_data(category.id)})

    assert response.status_code == 303
    assert count(session, Case, Case.campaign_id == june_campaign.id) == 1


def test_a_form_opened_before_midnight_on_the_closing_day_is_refused_after_it(
        client, session, category, june_campaign, monkeypatch):
    at_utc(monkeypatch, 2025, 6, 30, 15, 30)
    tokens = form_tokens(client, campaign_url(june_campaign))
    at_utc(monkeypatch, 2025, 6, 30, 16, 1)

    response = client.post(campaign_url(june_campaign),
                           data={**tokens, **suggestion_data(category.id)})

    assert response.status_code == 403
    assert "征集已经结束" in response.get_data(as_text=True)
    assert count(session, Case) == 0


def sections(html: str) -> dict[str, str]:
    """The campaign list page cut into its sections, by heading."""
    parts = re.split(r"<h2>(.*?)</h2>", html)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def test_the_campaign_list_groups_open_upcoming_and_closed_campaigns(client, make_campaign):
    running = make_campaign(-5, 30, title="老旧小区改造金点子征集")
    last_day = make_campaign(-20, 0, title="公交线网优化建议征集")
    coming = make_campaign(3, 40, title="城市公园更新建议征集")
    over = make_campaign(-60, -1, title="垃圾分类宣传建议征集")

    response = client.get("/campaigns")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.index("<h2>正在征集</h2>") < html.index("<h2>即将开始</h2>") < html.index(
        "<h2>已结束</h2>")
    groups = sections(html)
    expected = {"正在征集": {running, last_day}, "即将开始": {coming}, "已结束": {over}}
    everyone = {running, last_day, coming, over}
    for heading, members in expected.items():
        for campaign in everyone:
            link = f'href="/campaigns/{campaign.id}"'
            assert (link in groups[heading]) is (campaign in members), (heading, campaign.title)
            assert (campaign.title in groups[heading]) is (campaign in members)


def test_the_campaign_list_without_campaigns_says_so_and_points_to_suggestions(client):
    response = client.get("/campaigns")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "目前没有正在进行的专项征集" in html
    assert 'href="/suggestions/new"' in sections(html)["正在征集"]
    assert "<h2>即将开始</h2>" not in html
    assert "<h2>已结束</h2>" not in html


def test_the_campaign_list_with_only_past_campaigns_still_says_none_is_running(
        client, make_campaign):
    over = make_campaign(-60, -10, title="垃圾分类宣传建议征集")

    groups = sections(client.get("/campaigns").get_data(as_text=True))

    assert "目前没有正在进行的专项征集" in groups["正在征集"]
    assert over.title in groups["已结束"]


@pytest.mark.parametrize(("opens", "closes", "phase", "badge", "notice"), [
    (-5, 30, "open", "征集中", None),
    (-20, 0, "open", "征集中", None),
    (3, 40, "upcoming", "未开始", "开始，届时欢迎参与"),
    (-60, -1, "closed", "已结束", "本次征集已于"),
], ids=["open", "closing-day", "upcoming", "closed"])
def test_the_campaign_page_offers_the_form_only_while_open(client, make_campaign, opens,
                                                          closes, phase, badge, notice):
    campaign = make_campaign(opens, closes)

    response = client.get(f"/campaigns/{campaign.id}")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert campaign.title in html
    assert campaign.department.name in html
    assert f'<span class="status status-{phase}">{badge}</span>' in html
    link_shown = phase == "open"
    assert ("我要提建议" in html) is link_shown
    assert (f'href="/suggestions/new?campaign={campaign.id}"' in html) is link_shown
    if notice:
        assert notice in html


def test_the_campaign_page_shows_the_dates_in_chinese(client, june_campaign):
    html = client.get(f"/campaigns/{june_campaign.id}").get_data(as_text=True)
    assert "2025年6月1日 至 2025年6月30日" in html


def test_the_campaign_page_counts_the_suggestions_made_in_it(client, session, category,
                                                             make_campaign):
    campaign = make_campaign()
    other = make_campaign(-1, 5, title="公交线网优化建议征集")
    assert "已收到建议 0 条" in client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)

    for _ in range(2):
        assert post_form(client, campaign_url(campaign),
                         suggestion_data(category.id)).status_code == 303
    assert post_form(client, campaign_url(other), suggestion_data(category.id)
                     ).status_code == 303
    assert post_form(client, URL, suggestion_data(category.id)).status_code == 303

    assert "已收到建议 2 条" in client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "已收到建议 1 条" in client.get(f"/campaigns/{other.id}").get_data(as_text=True)


def test_an_unknown_campaign_page_is_not_found(client):
    response = client.get("/campaigns/999999")
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)
