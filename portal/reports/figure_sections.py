"""The report sections made of figures: the overview (with month-on-month and
year-on-year change in the monthly report), breakdowns, timeliness and satisfaction,
suggestions and adoption, the departments' scorecard, and the media columns.

Each is a section builder of ``assemble.py``; the period's figures are computed once per
report, however many sections read them.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from sqlalchemy.orm import Session

from portal.media.figures import media_counts

from . import tables
from .brief import Brief
from .document import Cell, ChartKind, Section, Table
from .figures import OfficeFigures, Rate, Tallies, compute, office_figures
from .models import ReportKind
from .period import Period
from .rules import load_rules
from .scorecard import scorecard


def tallies_of(session: Session, brief: Brief) -> Tallies:
    """The counts of the report's period and filter, made once per report."""
    if "tallies" not in brief.memo:
        brief.memo["tallies"] = compute(session, brief.scope.period, brief.scope.filter,
                                        brief.today)
    tallies: Tallies = brief.memo["tallies"]
    return tallies


def figures_of(session: Session, brief: Brief, period: Period | None = None) -> OfficeFigures:
    """The office's figures for the report's period (once per report), or for another
    ``period`` with the report's filter."""
    if period is not None:
        return office_figures(session, period, brief.scope.filter, brief.today)
    if "figures" not in brief.memo:
        brief.memo["figures"] = office_figures(session, brief.scope.period, brief.scope.filter,
                                               brief.today, tallies_of(session, brief))
    figures: OfficeFigures = brief.memo["figures"]
    return figures

def _overview_text(f: OfficeFigures) -> str:
    v, s = f.volume, f.suggestions
    return (f"本期共收到市民诉求 {v.received} 件（其中重复来信并案 {v.merged} 件，"
            f"实际诉求 {v.matters} 件），受理 {v.accepted} 件，不予受理 {v.declined} 件，"
            f"承办单位办理答复 {v.answered} 件，按时答复率 {f.timeliness.on_time_rate}，"
            f"满意率 {f.ratings.satisfaction}。收集人民建议 {s.collected} 件，"
            f"答复 {s.answered} 件，其中采纳 {s.adopted} 件、部分采纳 {s.partly_adopted} 件。")


Measure = Callable[[OfficeFigures], int | Rate]
COMPARED: list[tuple[str, Measure]] = [
    ("收到诉求（件）", lambda f: f.volume.received),
    ("受理（件）", lambda f: f.volume.accepted),
    ("办理答复（件）", lambda f: f.volume.answered),
    ("按时答复率（%）", lambda f: f.timeliness.on_time_rate),
    ("满意率（%）", lambda f: f.ratings.satisfaction),
    ("收集建议（件）", lambda f: f.suggestions.collected),
    ("建议采纳率（%）", lambda f: f.suggestions.adoption_rate),
]


def _shown(value: int | Rate) -> Cell:
    return tables.percent(value) if isinstance(value, Rate) else value


def change(now: int | Rate, before: int | Rate) -> str | None:
    """A count's change in per cent (None from zero), a rate's in percentage points."""
    if isinstance(now, Rate) and isinstance(before, Rate):
        a, b = tables.percent(now), tables.percent(before)
        return None if a is None or b is None else f"{a - b:+.1f} 个百分点"
    assert isinstance(now, int) and isinstance(before, int)
    return None if before == 0 else f"{(now - before) / before:+.1%}"


def comparison(now: OfficeFigures, last: OfficeFigures, year_ago: OfficeFigures) -> Table:
    rows: list[list[Cell]] = []
    for label, measure in COMPARED:
        a, b, c = measure(now), measure(last), measure(year_ago)
        rows.append([label, _shown(a), _shown(b), change(a, b), _shown(c), change(a, c)])
    return Table("环比与同比", ["指标", "本期", "上期", "环比", "去年同期", "同比"], rows)


def overview_section(session: Session, brief: Brief) -> Section:
    """总体情况, and for a monthly report its change against last month and last year."""
    f = figures_of(session, brief)
    section = Section("总体情况", [_overview_text(f)])
    if f.is_empty:
        section.paragraphs.append("本期没有收到或办理诉求。")
    if brief.kind == ReportKind.MONTHLY:
        period = brief.scope.period
        section.tables.append(comparison(f, figures_of(session, brief, period.previous()),
                                         figures_of(session, brief, period.year_before())))
    return section


def breakdown_section(session: Session, brief: Brief) -> Section:
    """分类统计: by channel, kind, category and department."""
    f = figures_of(session, brief)
    channel, category = tables.by_channel(f), tables.by_category(f)
    return Section("分类统计", charts=[
        tables.column_chart(channel, ChartKind.PIE, 0, [1], "各渠道收到件数"),
        tables.column_chart(category, ChartKind.BAR, 0, [1], "各类别收到件数")],
        tables=[channel, tables.by_kind(f), category, tables.by_department(f)])


def timeliness_section(session: Session, brief: Brief) -> Section:
    """办理时效与满意度, with returns, transfers, reopens and urges."""
    f = figures_of(session, brief)
    return Section("办理时效与满意度", [
        "按时答复以批准延期后的办理时限、按国家法定工作日计算；满意率为“满意”和“基本满意”"
        "占已评价件数的比例。"], tables=[tables.timeliness(f.timeliness),
                                   tables.ratings(f.ratings), tables.handling(f.handling)])


def suggestions_section(session: Session, brief: Brief) -> Section:
    """人民建议征集与采纳, overall and per campaign."""
    table = tables.suggestions(figures_of(session, brief))
    return Section("人民建议征集与采纳", charts=[
        tables.column_chart(table, ChartKind.BAR, 0, [1, 3, 4], "建议收集与采纳")],
        tables=[table])


def scorecard_section(session: Session, brief: Brief) -> Section:
    """量化考核: the departments ranked under the office's rules for the period."""
    rules = load_rules(current_app.instance_path)
    cards = scorecard(session, brief.scope.period, rules, brief.scope.filter, brief.today,
                      tallies_of(session, brief))
    return Section("承办单位量化考核", [
        f"按考核规则（{rules.source.rsplit('/', 1)[-1]}）计分；无数据的指标不计分，"
        "其余指标按比例折算；不予受理和经核实退回的件不计入承办单位。"],
        tables=[tables.ranking(cards)])


def media_section(session: Session, brief: Brief) -> Section:
    """媒体栏目刊登: replies carried by newspaper, TV and radio columns in the period."""
    counts = media_counts(session, brief.scope.start, brief.scope.end)
    section = Section("媒体“回音壁”栏目刊登", [
        f"本期各媒体栏目共刊登答复 {sum(n for _, _, n in counts)} 条。"])
    section.tables.append(Table("媒体栏目刊登", ["媒体", "栏目", "刊登条数"],
                                [[outlet, column, n] for outlet, column, n in counts]))
    return section


FIGURE_SECTIONS = [overview_section, breakdown_section, timeliness_section,
                   suggestions_section, scorecard_section]
