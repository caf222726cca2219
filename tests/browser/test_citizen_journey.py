"""A citizen in a real browser: writes to the mayor, follows the case, joins a campaign."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.cases.models import Case
from portal.cases.services import perform
from portal.cases.workflow import Action, Actor, Role
from tests.helpers import letter_data, post_form

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots")
CONTENT = "人民路地铁站工地每天晚上十一点以后仍在施工，噪音很大，影响周边居民休息。"
NO_HORIZONTAL_SCROLL = "document.documentElement.scrollWidth"
# Runs after the portal's own submit handler: what the button looked like as the form left.
REMEMBER_BUTTON_AT_SUBMIT = """() => {
  const form = document.querySelector("form[data-once]");
  form.addEventListener("submit", () => {
    const b = form.querySelector("button[type=submit]");
    sessionStorage.setItem("atSubmit", JSON.stringify([b.disabled, b.textContent.trim()]));
  });
}"""


def cases(session: Any) -> list[Case]:
    session.rollback()
    return list(session.scalars(select(Case)))



def fill_letter(page: Any, content: str) -> None:
    page.get_by_label("投诉", exact=True).check()
    page.get_by_label("问题类别").select_option(label="城市管理")
    page.get_by_label("标题").fill("人民路夜间施工噪音扰民")
    page.get_by_label("来信内容").fill(content)
    page.get_by_label("事发地点").fill("人民路地铁站东侧")
    page.get_by_label("姓名").fill("张伟")
    page.get_by_label("先生", exact=True).check()
    page.get_by_label("联系电话").fill("138 0013 8000")
    page.get_by_label("电子邮箱").fill("zhangwei@example.com")
    page.get_by_label("我已阅读并同意").check()


def test_a_citizen_writes_to_the_mayor_and_follows_the_case(
        live_server, desktop, session, category, smtp):
    page, console = desktop
    page.goto(live_server("/"))
    page.get_by_role("navigation").get_by_role("link", name="写信", exact=True).click()
    expect(page).to_have_url(live_server("/mailbox/new"))

    # Too short: the Chinese error stands beside the field, everything else is kept.
    fill_letter(page, "太短了")
    page.get_by_role("button", name="提交来信").click()
    expect(page.locator("#content-error")).to_contain_text("请填写 10 至 5000 个字（现为 3 个字）")
    expect(page.get_by_label("来信内容")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("标题")).to_have_value("人民路夜间施工噪音扰民")
    expect(page.get_by_label("电子邮箱")).to_have_value("zhangwei@example.com")
    expect(page.get_by_label("先生", exact=True)).to_be_checked()
    assert cases(session) == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "letter-desktop-error.png"), full_page=True)

    # Fixed, then clicked twice: the button locks at the first click, one POST is sent.
    page.get_by_label("来信内容").fill(CONTENT)
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.evaluate(REMEMBER_BUTTON_AT_SUBMIT)
    page.get_by_role("button", name="提交来信").dblclick()
    expect(page.get_by_role("heading", name="提交成功")).to_be_visible()
    assert page.evaluate("() => JSON.parse(sessionStorage.getItem('atSubmit'))") == [
        True, "正在提交…"]
    assert posts == [live_server("/mailbox/new")]
    code = page.locator("#tracking-code").inner_text().strip()
    stored = cases(session)
    assert [c.tracking_code for c in stored] == [code]
    assert len(smtp.mailbox.messages) == 1

    # Following the case: code typed in lower case, the last four digits of the phone.
    page.get_by_role("navigation").get_by_role("link", name="办理查询").click()
    page.get_by_label("受理编号").fill(code.lower())
    page.get_by_label("联系电话后四位").fill("8000")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("heading", name="人民路夜间施工噪音扰民")).to_be_visible()
    expect(page.get_by_text(f"受理编号 {code}")).to_be_visible()
    timeline = page.locator("ol.timeline li")
    expect(timeline).to_have_count(1)
    expect(timeline.first).to_contain_text("您的诉求已提交，等待受理")
    expect(page.locator(".status")).to_have_text("待受理")

    assert console.errors == []


PAGES = ["/", "/mailbox/new", "/suggestions/new", "/track", "/campaigns"]


def test_the_pages_fit_a_phone_screen_without_sideways_scrolling(
        live_server, phone, desktop, category):
    page, console = phone
    too_wide = {}
    for path in PAGES:
        page.goto(live_server(path))
        width = page.evaluate(NO_HORIZONTAL_SCROLL)
        if width > 375:
            too_wide[path] = width
    # The letter form with every error shown is the widest it gets.
    page.goto(live_server("/mailbox/new"))
    page.get_by_role("button", name="提交来信").click()
    expect(page.locator(".field-errors").first).to_be_visible()
    if page.evaluate(NO_HORIZONTAL_SCROLL) > 375:
        too_wide["/mailbox/new with errors"] = page.evaluate(NO_HORIZONTAL_SCROLL)

    # For the lead to look at; not asserted.
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "letter-phone-errors.png"), full_page=True)
    page.goto(live_server("/mailbox/new"))
    page.screenshot(path=str(SHOTS / "letter-phone.png"), full_page=True)
    desktop_page, desktop_console = desktop
    desktop_page.goto(live_server("/mailbox/new"))
    desktop_page.screenshot(path=str(SHOTS / "letter-desktop.png"), full_page=True)

    assert too_wide == {}
    assert console.errors == [] and desktop_console.errors == []


def test_a_citizen_makes_a_suggestion_inside_an_open_campaign(
        live_server, desktop, session, category, make_campaign):
    campaign = make_campaign(title="老旧小区改造金点子征集")
    page, console = desktop
    page.goto(live_server(f"/campaigns/{campaign.id}"))
    expect(page.get_by_text("征集中")).to_be_visible()
    page.get_by_role("link", name="我要提建议").click()
    expect(page.get_by_role("heading", name="老旧小区改造金点子征集")).to_be_visible()

    page.get_by_label("问题类别").select_option(label="城市管理")
    page.get_by_label("建议标题").fill("建议在老旧小区加装电梯")
    page.get_by_label("存在的问题").fill("老旧小区多为六层无电梯住宅，老年人上下楼十分困难。")
    page.get_by_label("具体建议").fill("建议政府对加装电梯给予补贴，并简化审批流程，由街道统一协调。")
    page.get_by_label("联系电话").fill("0571-87654321")
    page.get_by_label("我已阅读并同意").check()
    page.get_by_role("button", name="提交建议").click()

    expect(page.get_by_role("heading", name="提交成功")).to_be_visible()
    code = page.locator("#tracking-code").inner_text().strip()
    (case,) = cases(session)
    assert (case.tracking_code, case.campaign_id) == (code, campaign.id)
    page.goto(live_server(f"/campaigns/{campaign.id}"))
    expect(page.get_by_text("已收到建议 1 条")).to_be_visible()
    assert console.errors == []



def test_a_citizen_downloads_their_data_then_has_it_erased(live_server, desktop, session,
                                                          client, category):
    assert post_form(client, "/mailbox/new", letter_data(category.id)).status_code == 303
    (case,) = cases(session)
    perform(session, case, Action.DECLINE, Actor(Role.OPERATOR, frozenset({Role.OPERATOR})),
            note="不属于受理范围")
    session.commit()
    page, console = desktop
    page.goto(live_server("/track"))
    page.get_by_label("受理编号").fill(case.tracking_code)
    page.get_by_label("联系电话后四位").fill("8000")
    page.get_by_role("button", name="查询").click()

    with page.expect_download() as download:
        page.get_by_role("button", name="下载我的信息（JSON）").click()
    assert download.value.suggested_filename == f"{case.tracking_code}.json"
    assert "13800138000" in Path(download.value.path()).read_text(encoding="utf-8")

    page.get_by_role("button", name="申请删除我的个人信息").click()
    page.get_by_role("button", name="确认删除").click()
    expect(page.locator(".field-errors")).to_contain_text("请勾选确认后再提交")
    page.get_by_label("我确认删除").check()
    page.get_by_role("button", name="确认删除").click()
    expect(page.get_by_role("heading", name="您的个人信息已删除")).to_be_visible()

    session.expire_all()
    assert session.get(Case, case.id).contact.phone is None
    # Only the unticked confirmation's answer, 400 as every form with errors.
    assert [e for e in console.errors if "400 (BAD REQUEST)" not in e] == []
