"""The report pages: supervisors and admins only; making a report from the forms, with
errors in Chinese beside the fields; the report as issued and its downloads."""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from portal.auth.models import SecurityEvent
from portal.cases.workflow import Role
from portal.reports.models import StoredReport
from tests.helpers import count, field_errors, login, make_staff
from tests.helpers.reports import add_letter

ROLES = {"operator": Role.OPERATOR, "handler": Role.HANDLER, "moderator": Role.MODERATOR,
         "supervisor": Role.SUPERVISOR, "admin": Role.ADMIN}
ALLOWED = {"supervisor", "admin"}


@pytest.fixture
def staff(session):
    for name, role in ROLES.items():
        make_staff(session, name, role)


def signed_in(app, name):
    client = app.test_client()
    login(client, name)
    return client


def make(client, which, **fields):
    """Post the ``which`` form of the reports page, with its CSRF token, like a browser."""
    page = client.get("/staff/reports").get_data(as_text=True)
    token = re.search(rf'name="{which}-csrf_token"[^>]*value="([^"]*)"', page)
    assert token, page
    data = {f"{which}-{k}": v for k, v in fields.items()}
    data[f"{which}-csrf_token"] = token.group(1)
    return client.post(f"/staff/reports/{which}", data=data)


@pytest.mark.parametrize("name", sorted(ROLES))
def test_only_supervisors_and_admins_reach_the_reports(app, session, staff, name):
    client = signed_in(app, name)
    expected = 200 if name in ALLOWED else 403
    assert client.get("/staff/reports").status_code == expected
    assert client.get("/staff/reports/1").status_code == (404 if name in ALLOWED else 403)
    assert client.get("/staff/reports/1.docx").status_code == (404 if name in ALLOWED else 403)
    assert ("月报与专报" in client.get("/staff/").get_data(as_text=True)) == (name in ALLOWED)


def test_the_empty_list_says_so(app, session, staff):
    page = signed_in(app, "supervisor").get("/staff/reports").get_data(as_text=True)
    assert "还没有生成过报告" in page
    assert '<label for="monthly-month">月份' in page


def test_a_monthly_report_made_from_the_page_opens_as_issued(app, session, staff):
    add_letter(session, "解放路积水", "解放路下雨积水。", published=True)
    typical = add_letter(session, "中山路积水", "中山路积水严重。")
    client = signed_in(app, "supervisor")
    response = make(client, "monthly", month="2026-10", typical=f"{typical.id}")
    assert response.status_code == 303
    path = response.headers["Location"]
    page = client.get(path)
    html = page.get_data(as_text=True)
    assert "2026年10月市民诉求办理情况月报" in html and "<svg" in html
    assert "典型案例" in html and "中山路积水" in html
    csp = page.headers["Content-Security-Policy"]
    assert "style-src 'self' 'sha256-" in csp and "script-src" not in csp
    listing = client.get("/staff/reports").get_data(as_text=True)
    assert "2026年10月1日至2026年10月31日" in listing and "supervisor" in listing

    book = client.get(path + ".xlsx")
    assert book.status_code == 200
    assert "attachment" in book.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(book.data))["热点问题"]
    assert [sheet["A2"].value, sheet["B2"].value] == ["积水", 2]
    for extension in ("html", "docx", "zip"):
        assert client.get(f"{path}.{extension}").status_code == 200
    assert client.get(f"{path}.exe").status_code == 404
    # Each opening and download is in the security log, like an opened case.
    logged = session.scalars(select(SecurityEvent.action).where(
        SecurityEvent.object_type == "stored_report").order_by(SecurityEvent.id)).all()
    assert logged == ["issue_report", "open_report"] + ["export_report"] * 4


@pytest.mark.parametrize("fields, field, message", [
    ({"month": "2026-13"}, "monthly-month", "应写作 YYYY-MM"),
    ({"month": ""}, "monthly-month", "请填写月份"),
    ({"month": "2026-10", "typical": "12 abc"}, "monthly-typical", "请填写诉求编号"),
    ({"month": "2026-10", "typical": "999999"}, "monthly-typical", "没有编号为 999999 的诉求"),
])
def test_a_malformed_monthly_form_is_refused_beside_its_field(app, session, staff, fields,
                                                              field, message):
    response = make(signed_in(app, "admin"), "monthly", **fields)
    assert response.status_code == 400
    assert message in field_errors(response.get_data(as_text=True), field)
    assert count(session, StoredReport) == 0


@pytest.mark.parametrize("fields, field, message", [
    ({"date_from": "2026-10-31", "date_to": "2026-10-01"}, "special-date_to",
     "结束日期不能早于开始日期"),
    ({"date_from": "2026-10-99", "date_to": "2026-10-31"}, "special-date_from", "年-月-日"),
    ({"date_from": "2026-10-01", "date_to": "2026-10-31", "category": "99"},
     "special-category", "请从列表中选择"),
    ({"date_to": "2026-10-31"}, "special-date_from", "请填写开始日期"),
    ({"date_from": "0001-01-01", "date_to": "2026-10-31"}, "special-date_from",
     "2000年至2100年"),
    ({"date_from": "2026-10-01", "date_to": "9999-12-31"}, "special-date_to", "2000年至2100年"),
])
def test_a_malformed_special_form_is_refused_beside_its_field(app, session, staff, fields,
                                                              field, message):
    response = make(signed_in(app, "admin"), "special", **fields)
    assert response.status_code == 400
    assert message in field_errors(response.get_data(as_text=True), field)


def test_scorecard_rules_with_an_error_refuse_the_report_and_say_why(app, session, staff):
    (Path(app.instance_path) / "scorecard.toml").write_text(
        "[weights]\non_time_rate = \n", encoding="utf-8")
    client = signed_in(app, "supervisor")
    response = make(client, "monthly", month="2026-10")
    assert response.status_code == 303 and count(session, StoredReport) == 0
    assert "考核规则文件有误，未能生成报告：第 2 行" in client.get("/staff/reports").get_data(
        as_text=True)


def test_a_special_report_with_a_keyword(app, session, staff):
    add_letter(session, "解放路积水", "解放路下雨积水。")
    response = make(signed_in(app, "admin"), "special", date_from="2026-09-01",
                    date_to="2026-10-31", keyword="积水")
    assert response.status_code == 303
    session.rollback()
    assert session.query(StoredReport).one().filter_description.endswith("关键词：积水")
