"""The report structure: JSON both ways, unchanged, and shapes that do not fit refused."""

from __future__ import annotations

import json

import pytest

from portal.reports.document import Chart, ChartKind, Report, Series, Table
from tests.helpers.reports import sample_report


def test_a_report_survives_json_both_ways_unchanged():
    report = sample_report()
    again = Report.from_dict(json.loads(json.dumps(report.to_dict(), ensure_ascii=False)))
    assert again == report
    assert again.to_dict() == report.to_dict()


def test_a_chart_gives_its_numbers_as_a_table():
    chart = Chart(ChartKind.LINE, "月度件数", ["9月", "10月"],
                  [Series("收到", [10, 12]), Series("办结", [8, 11.5])])
    assert chart.as_table() == Table("月度件数", ["项目", "收到", "办结"],
                                     [["9月", 10, 8], ["10月", 12, 11.5]])


def test_all_tables_lists_chart_data_before_each_sections_tables():
    captions = [t.caption for t in sample_report().all_tables()]
    assert captions[:3] == ["各渠道件数", "热点问题", "满意度"]
    assert len(captions) == 5


def test_rows_and_series_of_the_wrong_length_are_refused():
    with pytest.raises(ValueError, match="表头有 2 列"):
        Table("t", ["a", "b"], [[1]])
    with pytest.raises(ValueError, match="标签有 2 个"):
        Chart(ChartKind.BAR, "c", ["x", "y"], [Series("s", [1])])
