"""Reports and public figures in Chromium: the charts are drawn (SVG with their own
styles allowed by the page's policy), the Chinese text shows, nothing breaks the CSP."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.helpers.figures import TODAY, build_october
from tests.helpers.staff import PASSWORD

SHOTS = "/tmp"  # screenshots for a person to look at; the test reads only the page


def charts_drawn(page, least: int) -> None:
    """At least ``least`` charts with a visible size, their bars or lines styled (pygal's
    own stylesheet applied: a drawn series has a fill or a stroke)."""
    sizes = page.eval_on_selector_all(
        "figure.report-chart svg", "els => els.map(e => e.getBoundingClientRect().width)")
    assert len(sizes) >= least and min(sizes) > 200
    styled = page.eval_on_selector_all(
        "figure.report-chart svg .series .rect, figure.report-chart svg .series .slice path",
        "els => els.filter(e => getComputedStyle(e).fill !== 'rgb(0, 0, 0)').length")
    assert styled > 0


def chinese_title_shows(page) -> None:
    """The chart titles are Chinese text laid out with a real width."""
    widths = page.eval_on_selector_all(
        "figure.report-chart svg text.title",
        "els => els.map(e => [e.textContent, e.getComputedTextLength()])")
    assert widths and all(any("\u4e00" <= ch <= "\u9fff" for ch in t) and w > 20
                          for t, w in widths)


def test_a_supervisor_makes_the_monthly_report_and_reads_it(live_server, desktop, session,
                                                            monkeypatch):
    build_october(session, monkeypatch)
    session.commit()
    monkeypatch.setattr("portal.staff.reports.local_today", lambda: TODAY)
    page, console = desktop
    page.goto(live_server("/staff/login"))
    page.get_by_label("用户名").fill("sup")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="月报与专报").click()
    page.get_by_label("月份").fill("2026-10")
    page.get_by_role("button", name="生成月报").click()

    expect(page.get_by_role("heading", name="2026年10月市民诉求办理情况月报")).to_be_visible()
    expect(page.get_by_role("heading", name="总体情况")).to_be_visible()
    expect(page.locator("text=本期共收到市民诉求 12 件")).to_be_visible()
    charts_drawn(page, 3)
    chinese_title_shows(page)
    page.screenshot(path=f"{SHOTS}/monthly-report.png", full_page=True)
    assert console.errors == []


def test_the_public_figures_page_draws_its_charts(live_server, desktop, session, monkeypatch):
    build_october(session, monkeypatch)
    session.commit()
    monkeypatch.setattr("portal.reports.public.local_today", lambda: TODAY)
    page, console = desktop
    page.goto(live_server("/"))
    page.get_by_role("link", name="数据公开").click()
    expect(page.get_by_role("heading", name="办理情况统计")).to_be_visible()
    charts_drawn(page, 5)
    chinese_title_shows(page)
    with page.expect_download() as download:
        page.locator("#block-volume ~ p a").click()
    assert download.value.suggested_filename == "stats-2026-volume.csv"
    page.screenshot(path=f"{SHOTS}/stats.png", full_page=True)
    assert console.errors == []
