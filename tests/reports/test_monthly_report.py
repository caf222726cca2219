"""The monthly report of October 2026 (tests.helpers.figures): its figures, worked out by
hand, read back from the Word document and the Excel workbook as an office receives them."""

from __future__ import annotations

import io

import openpyxl
import pytest
from docx import Document

from portal.reports.brief import Brief
from portal.reports.models import ReportKind
from portal.reports.render_docx import render_docx
from portal.reports.render_xlsx import render_xlsx
from portal.reports.scope import month_scope
from portal.reports.services import issue_report
from tests.helpers.figures import TODAY, build_october

OVERVIEW = ("本期共收到市民诉求 12 件（其中重复来信并案 2 件，实际诉求 10 件），受理 8 件，"
            "不予受理 1 件，承办单位办理答复 6 件，按时答复率 83.3%，满意率 66.7%。"
            "收集人民建议 2 件，答复 2 件，其中采纳 1 件、部分采纳 0 件。")
# October against September (C1 came and was accepted on 30 September, nothing else)
# and against October 2025 (nothing at all): no change is computed from zero or no data.
COMPARISON = [
    ["指标", "本期", "上期", "环比", "去年同期", "同比"],
    ["收到诉求（件）", 12, 1, "+1100.0%", 0, None],
    ["受理（件）", 8, 1, "+700.0%", 0, None],
    ["办理答复（件）", 6, 0, None, 0, None],
    ["按时答复率（%）", 83.3, None, None, None, None],
    ["满意率（%）", 66.7, None, None, None, None],
    ["收集建议（件）", 2, 0, None, 0, None],
    ["建议采纳率（%）", 50.0, None, None, None, None],
]
# Five answers on time of six, 53 working days in all (median 8.5); C6 overdue now.
TIMELINESS = [[5, 1, 83.3, 8.8, 8.5, 1]]
# C1 satisfied, C4 basically, C3 not; all three closed in October were rated.
RATINGS = [[1, 1, 1, 66.7, 3, 100.0]]
# C5's return upheld, C6's not; C3 reopened; C6 urged.
HANDLING = [[2, 1, 1, 0, 1, 1, 0]]
RANKING = [[1, "市住建委", 86.5], [2, "市交通局", 47.0], ["—", "市生态环境局", None]]


@pytest.fixture
def report(app, session, monkeypatch):
    build_october(session, monkeypatch)
    with app.app_context():
        stored = issue_report(session, Brief(ReportKind.MONTHLY, month_scope("2026-10"),
                                             None, TODAY))
        session.commit()
        return stored.report


def docx_tables(data: bytes) -> dict[str, list[list[str]]]:
    """Each table of the document by its first header cell's row text."""
    document = Document(io.BytesIO(data))
    return {" ".join(c.text for c in t.rows[0].cells): [[c.text for c in r.cells] for r in t.rows]
            for t in document.tables}


def text(value: object) -> str:
    """A cell as Word shows it: an empty cell where there is no data."""
    return "" if value is None else str(value)


def test_the_overview_and_its_change_on_last_month_and_last_year(report):
    overview = next(s for s in report.sections if s.heading == "总体情况")
    assert overview.paragraphs[0] == OVERVIEW
    table = overview.tables[0]
    assert [table.columns, *table.rows] == COMPARISON


def test_the_word_document_holds_the_same_numbers(app, report):
    with app.app_context():
        tables = docx_tables(render_docx(report))
    assert tables["指标 本期 上期 环比 去年同期 同比"] == [[text(c) for c in row]
                                                for row in COMPARISON]
    timeliness = tables["按时答复 超时答复 按时答复率（%） 平均用时（工作日） 中位用时（工作日） 当前超期"]
    assert timeliness[1] == [text(c) for c in TIMELINESS[0]]
    ranking = next(rows for header, rows in tables.items() if header.startswith("名次"))
    assert [row[:3] for row in ranking[1:]] == [[text(c) for c in row] for row in RANKING]


def test_the_workbook_has_a_sheet_per_table_with_numbers_as_numbers(app, report):
    with app.app_context():
        book = openpyxl.load_workbook(io.BytesIO(render_xlsx(report)))
    values = {name: [list(r) for r in book[name].iter_rows(values_only=True)]
              for name in book.sheetnames}
    assert values["环比与同比"] == COMPARISON
    assert values["办理时效"][1:] == TIMELINESS
    assert values["回访评价"][1:] == RATINGS
    assert values["退回、转办、重办与督办"][1:] == HANDLING
    assert [row[:3] for row in values["承办单位量化考核排名"][1:]] == RANKING
    suggestions = values["人民建议征集与采纳"]
    assert suggestions[1] == ["全部建议", 2, 2, 1, 0, 0, 1, 50.0]
    assert suggestions[2] == ["老旧小区改造金点子", 1, 1, 1, 0, 0, 0, 100.0]
    by_channel = {row[0]: row[1] for row in values["按渠道"][1:]}
    assert by_channel == {"市长信箱": 9, "人民建议征集": 2, "12345热线": 1}


def test_an_empty_month_says_so(app, session):
    with app.app_context():
        stored = issue_report(session, Brief(ReportKind.MONTHLY, month_scope("2025-02"),
                                             None, TODAY))
    overview = stored.report.sections[0]
    assert overview.paragraphs[1] == "本期没有收到或办理诉求。"
    assert "按时答复率 无数据，满意率 无数据" in overview.paragraphs[0]
