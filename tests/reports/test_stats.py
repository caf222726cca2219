"""The public /stats page and its CSV downloads, on October 2026 (tests.helpers.figures):
the year's totals run from 1 January to the day the page is asked for."""

from __future__ import annotations

import csv
import io
import re
import threading
from pathlib import Path

import pytest

from portal.cases.models import Case
from portal.security import csp_allowing_styles_of
from tests.helpers.figures import TODAY, October, build_october


@pytest.fixture
def october(session, monkeypatch) -> October:
    built = build_october(session, monkeypatch)
    session.commit()
    monkeypatch.setattr("portal.reports.public.local_today", lambda: TODAY)
    return built


def rows_of(response) -> dict[str, list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return {row[0]: row[1:] for row in csv.reader(io.StringIO(text.lstrip("\ufeff")))}


def test_the_page_shows_the_years_totals_charts_and_ranking(client, october):
    page = client.get("/stats?year=2026")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # C1 came on 30 September, the twelve others in October.
    assert "<strong>13</strong> 件<span>收到诉求" in html
    assert html.count("<svg") == 5 and "<script" not in html.split("</header>", 1)[1]
    for heading in ("每月诉求量", "按时答复与满意度", "各渠道诉求量", "各类别诉求量",
                    "建议征集与采纳", "承办单位量化考核"):
        assert heading in html
    assert "市住建委" in html and "市交通局" in html
    # The charts' own styles may apply (tests/site/test_headers.py: how they are hashed).
    styles = re.findall(r"<style[^>]*>(.*?)</style>", html, re.S)
    assert len(styles) == 5 and page.headers["Content-Security-Policy"] == \
        csp_allowing_styles_of(html)
    assert "13800138000" not in html and "诉求C1" not in html  # no case, no contact


def test_the_monthly_table_downloads_as_csv_with_the_same_numbers(client, october):
    rows = rows_of(client.get("/stats/volume.csv?year=2026"))
    assert rows["月份"] == ["收到", "办理答复", "按时答复率（%）", "平均用时（工作日）",
                          "满意率（%）"]
    # October: 12 received, 6 answered, 5 of them on time (83.3 %), 53 working days in
    # all (8.8 on average); rated C1 satisfied, C3 unsatisfied, C4 basically: 2 of 3.
    assert rows["10月"] == ["12", "6", "83.3", "8.8", "66.7"]
    assert rows["9月"][:2] == ["1", "0"]
    assert rows["1月"] == ["0", "0", "", "", ""]  # nothing to count: empty, not 0 %
    assert list(rows)[1:] == [f"{m}月" for m in range(1, 11)]


def test_channels_suggestions_and_ranking_downloads(client, october):
    channels = rows_of(client.get("/stats/channels.csv?year=2026"))
    assert channels["市长信箱"][0] == "10" and channels["12345热线"][0] == "1"
    assert channels["人民建议征集"][0] == "2"
    adoption = rows_of(client.get("/stats/suggestions.csv?year=2026"))
    assert adoption["全部建议"][0] == "2"
    assert adoption["老旧小区改造金点子"][0] == "1"
    ranking = rows_of(client.get("/stats/ranking.csv?year=2026"))
    assert {"市住建委", "市交通局"} <= {row[0] for row in ranking.values()}


def test_the_page_is_cached_then_refreshed_in_the_background(client, october, app, session):
    assert "<strong>13</strong>" in client.get("/stats").get_data(as_text=True)
    session.delete(session.get(Case, october.cases["C7"].id))
    session.commit()
    assert "<strong>13</strong>" in client.get("/stats").get_data(as_text=True)
    app.config["STATS_CACHE_SECONDS"] = 0
    # Stale: this visitor still gets the old figures while a thread counts again.
    assert "<strong>13</strong>" in client.get("/stats").get_data(as_text=True)
    refresh = [t for t in threading.enumerate() if t.name == "stats-refresh"]
    for thread in refresh:
        thread.join(timeout=60)
    app.config["STATS_CACHE_SECONDS"] = 600
    assert "<strong>12</strong>" in client.get("/stats").get_data(as_text=True)


def test_a_year_without_cases_says_so(client):
    page = client.get("/stats")
    assert page.status_code == 200
    assert "还没有可统计的诉求" in page.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/stats?year=1999", "/stats?year=3000",
                                 "/stats/nothing.csv", "/stats/volume.csv?year=1999"])
def test_unknown_years_and_tables_are_not_found(client, october, url):
    assert client.get(url).status_code == 404


def test_the_home_page_and_the_wall_link_to_the_figures(client):
    for page in ("/", "/wall"):
        assert '<a href="/stats">办理情况统计</a>' in client.get(page).get_data(as_text=True)


def test_scorecard_rules_with_an_error_leave_out_the_ranking_not_the_page(client, october,
                                                                           app):
    (Path(app.instance_path) / "scorecard.toml").write_text(
        "[weights]\non_time_rate = nan\n", encoding="utf-8")
    page = client.get("/stats?year=2026")
    assert page.status_code == 200
    assert "每月诉求量" in page.get_data(as_text=True)
    assert "承办单位量化考核" not in page.get_data(as_text=True).split("<footer")[0].split(
        "口径")[0]
    assert client.get("/stats/ranking.csv?year=2026").status_code == 404
