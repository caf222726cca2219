"""The figures as report tables: the one place that says which columns a table of
figures has, for the monthly and special reports and for the public /stats page alike.

A rate is a percentage with one decimal, a duration in working days with one decimal;
``None`` (shown "—") where there was nothing to count.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from portal.cases.workflow import Channel, Kind

from .document import Cell, Chart, ChartKind, Series, Table
from .figures import (
    Handling,
    MonthLine,
    OfficeFigures,
    Rate,
    Ratings,
    Suggestions,
    Timeliness,
    Volume,
)
from .scorecard import Card

VOLUME_COLUMNS = ["收到", "受理", "不予受理", "并案", "办理答复", "反馈市民", "办结"]
TREND_COLUMNS = ["月份", "收到", "办理答复", "按时答复率（%）", "平均用时（工作日）",
                 "满意率（%）"]
ADOPTION_COLUMNS = ["收到建议", "已答复", "采纳", "部分采纳", "留作参考", "未采纳", "采纳率（%）"]
UNNAMED = "（未分类）"


def percent(rate: Rate) -> float | None:
    value = rate.value
    return None if value is None else round(value * 100, 1)


def one_decimal(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def volume_cells(v: Volume) -> list[Cell]:
    return [v.received, v.accepted, v.declined, v.merged, v.answered, v.replied, v.closed]


def volume_table(caption: str, heading: str, rows: Iterable[tuple[str, Volume]]) -> Table:
    return Table(caption, [heading, *VOLUME_COLUMNS],
                 [[label, *volume_cells(v)] for label, v in rows])


def _named(names: dict[int, str], volumes: dict[int | None, Volume]) -> list[tuple[str, Volume]]:
    rows = [(names.get(key, str(key)) if key is not None else UNNAMED, v)
            for key, v in volumes.items()]
    return sorted(rows, key=lambda row: (-row[1].received, row[0]))


def by_channel(f: OfficeFigures) -> Table:
    return volume_table("按渠道", "渠道", [(c.label, f.by_channel[c]) for c in Channel
                                      if c in f.by_channel])


def by_kind(f: OfficeFigures) -> Table:
    return volume_table("按诉求类型", "类型", [(k.label, f.by_kind[k]) for k in Kind
                                         if k in f.by_kind])


def by_category(f: OfficeFigures) -> Table:
    return volume_table("按问题类别", "类别", _named(f.names.get("category", {}), f.by_category))


def by_department(f: OfficeFigures) -> Table:
    return volume_table("按承办单位", "承办单位",
                        _named(f.names.get("department", {}), f.by_department))


def adoption_cells(s: Suggestions) -> list[Cell]:
    return [s.collected, s.answered, s.adopted, s.partly_adopted, s.for_reference,
            s.not_adopted, percent(s.adoption_rate)]


def suggestions(f: OfficeFigures) -> Table:
    """Suggestions and their adoption, overall and per campaign."""
    names = f.names.get("campaign", {})
    rows: list[list[Cell]] = [["全部建议", *adoption_cells(f.suggestions)]]
    rows += [[names.get(c, str(c)), *adoption_cells(s)] for c, s in f.by_campaign.items()]
    return Table("人民建议征集与采纳", ["范围", *ADOPTION_COLUMNS], rows)


def trend(months: Sequence[tuple[str, MonthLine]]) -> Table:
    """One row per month: volume, timeliness and satisfaction."""
    return Table("逐月情况", TREND_COLUMNS, [
        [label, m.received, m.answered, percent(m.timeliness.on_time_rate),
         one_decimal(m.timeliness.average_days), percent(m.ratings.satisfaction)]
        for label, m in months])


def timeliness(t: Timeliness) -> Table:
    return Table("办理时效", ["按时答复", "超时答复", "按时答复率（%）", "平均用时（工作日）",
                          "中位用时（工作日）", "当前超期"],
                 [[t.on_time, t.late, percent(t.on_time_rate), one_decimal(t.average_days),
                   one_decimal(t.median_days), t.overdue_now]])


def ratings(r: Ratings) -> Table:
    return Table("回访评价", ["满意", "基本满意", "不满意", "满意率（%）", "办结", "回访评价率（%）"],
                 [[r.satisfied, r.basically_satisfied, r.unsatisfied, percent(r.satisfaction),
                   r.closed, percent(r.rated_share)]])


def handling(h: Handling) -> Table:
    return Table("退回、转办、重办与督办", ["退回", "退回成立", "退回不成立", "转办", "重办",
                                     "催办督办", "超期督办"],
                 [[h.returns, h.returns_upheld, h.returns_not_upheld, h.transfers, h.reopens,
                   h.urges, h.escalations]])


def ranking(cards: Sequence[Card], caption: str = "承办单位量化考核排名") -> Table:
    """Rank, unit, score and each part of the score as the rules show it."""
    parts = [p.label for p in cards[0].parts] if cards else []
    return Table(caption, ["名次", "承办单位", "得分", *parts], [
        [card.rank if card.rank is not None else "—", card.name, card.score,
         *(p.shown for p in card.parts)]
        for card in cards])


def column_chart(table: Table, kind: ChartKind, label_column: int,
                 value_columns: Sequence[int], title: str | None = None) -> Chart:
    """A chart of some columns of ``table``, one bar or point per row (no data: none)."""
    labels = [str(row[label_column]) for row in table.rows]
    series = [Series(table.columns[i], [_number(row[i]) for row in table.rows])
              for i in value_columns]
    return Chart(kind, title or table.caption, labels, series)


def _number(cell: Cell) -> int | float | None:
    return cell if isinstance(cell, int | float) else None
