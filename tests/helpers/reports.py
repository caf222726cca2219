"""A small report with every kind of content, for the document and renderer tests."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from portal.cases.models import Case, Contact
from portal.cases.workflow import Channel, Kind, Status
from portal.reports.document import Chart, ChartKind, Link, Report, Section, Series, Table
from portal.wall.models import Publication


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


OCTOBER = dt.datetime(2026, 10, 10, 2, 0, tzinfo=dt.UTC)  # 10:00 in the city


def add_letter(session: Any, title: str, content: str, *, at: dt.datetime = OCTOBER,
               published: bool | None = None, contact: Contact | None = None,
               **fields: Any) -> Case:
    """A letter to the mayor stored as it stands, without the workflow: the reports read
    rows, and a month of letters is quicker to lay out this way. ``published`` True or
    False gives it a wall item that is shown or withdrawn."""
    case = Case(tracking_code=secrets.token_hex(8), channel=Channel.MAILBOX,
                kind=Kind.COMPLAINT, status=fields.pop("status", Status.ACCEPTED),
                title=title, content=content, submitted_at=at, contact=contact, **fields)
    session.add(case)
    session.flush()
    if published is not None:
        session.add(Publication(
            case_id=case.id, title=f"{title}（公开）", letter=content, reply="已处理。",
            citizen_label="张先生", department_name="市城市管理局", category_name="城市管理",
            kind=case.kind, channel=case.channel, submitted_at=at,
            replied_at=at + dt.timedelta(days=3), shown=published))
    session.commit()
    return case
