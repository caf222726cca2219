"""``flask report monthly | special``: each issues a stored report, writes every format
and prints each file's path; a malformed month is refused in words."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
from docx import Document

from portal.reports.models import ReportKind, StoredReport
from tests.helpers import count
from tests.helpers.reports import add_letter


@pytest.fixture
def letters(session):
    add_letter(session, "解放路积水", "解放路下雨积水。", published=True)
    add_letter(session, "中山路积水", "中山路积水严重。")


def written(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("/")]


def test_monthly_writes_every_format_and_prints_the_paths(app, runner, session, letters,
                                                         tmp_path):
    result = runner.invoke(args=["report", "monthly", "2026-10", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "正在生成（2026年10月1日至2026年10月31日）" in result.output
    paths = written(result.output)
    assert [p.rsplit(".", 1)[1] for p in paths] == ["html", "docx", "xlsx", "zip"]
    assert all(p.startswith(str(tmp_path)) for p in paths)
    html, docx_path, xlsx_path, zip_path = paths
    assert "<svg" in Path(html).read_text(encoding="utf-8")
    topics = next(t for t in Document(docx_path).tables if t.rows[0].cells[0].text == "热点")
    assert [c.text for c in topics.rows[1].cells][:2] == ["积水", "2"]
    assert openpyxl.load_workbook(xlsx_path)["热点问题"]["B2"].value == 2
    assert "热点问题.csv" in zipfile.ZipFile(zip_path).namelist()
    assert count(session, StoredReport, StoredReport.kind == ReportKind.MONTHLY) == 1


def test_the_default_folder_is_instance_reports(app, runner, letters):
    result = runner.invoke(args=["report", "monthly", "2026-10"])
    assert result.exit_code == 0, result.output
    assert all(p.startswith(app.instance_path + "/reports/") for p in written(result.output))


def test_special_takes_a_range_and_a_keyword(app, runner, session, letters, tmp_path):
    result = runner.invoke(args=["report", "special", "--from", "2026-09-01", "--to",
                                 "2026-10-31", "--keyword", "解放路", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert len(written(result.output)) == 4
    session.rollback()
    stored = session.query(StoredReport).one()
    assert stored.filter_description.endswith("关键词：解放路")


@pytest.mark.parametrize("args, message", [
    (["monthly", "2026-13"], "应写作 YYYY-MM"),
    (["monthly", "October"], "应写作 YYYY-MM"),
    (["special", "--from", "2026-10-31", "--to", "2026-10-01"], "结束日期不能早于开始日期"),
    (["special", "--from", "2026-10-99", "--to", "2026-10-31"], "2026-10-99"),
])
def test_malformed_input_is_refused_with_a_message(app, runner, session, args, message):
    result = runner.invoke(args=["report", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert count(session, StoredReport) == 0
