"""A small report with every kind of content, for the document and renderer tests."""

from __future__ import annotations

import datetime as dt

from portal.reports.document import Chart, ChartKind, Link, Report, Section, Series, Table


def sample_report() -> Report:
    """Two sections: a chart and a table with a link, a None, a float and text that looks
    like a formula; two tables whose captions clash once cut to a sheet name."""
    long_caption = "各承办单位按期办结率与群众满意度对比表（第一部分）"
    return Report(
        title="2026年10月市民诉求办理月报", period="2026年10月1日至2026年10月31日",
        created_at=dt.datetime(2026, 11, 2, 1, 30, tzinfo=dt.UTC), created_by="督办员甲",
        sections=[
            Section("一、总体情况", ["本月共收到诉求 120 件。"],
                    charts=[Chart(ChartKind.BAR, "各渠道件数", ["市长信箱", "12345热线"],
                                  [Series("件数", [70, 50])])],
                    tables=[Table("热点问题", ["热点", "件数", "示例答复"], [
                        ["噪音", 12, Link("人民路夜间施工噪音", "https://portal.test/wall/7")],
                        ["=SUM(A1)", 3, None]])]),
            Section("二、考核", charts=[Chart(ChartKind.PIE, "满意度", ["满意", "不满意"],
                                              [Series("件数", [9, 1])])],
                    tables=[Table(long_caption, ["单位", "按期率"], [["市交通运输局", 0.875]]),
                            Table(long_caption + "续", ["单位", "按期率"], [["市城管局", 1.0]])]),
        ])
