"""What a report covers: a span of the city's calendar days and optional filters."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_

from portal.cases.models import Case
from portal.clock import city_zone

_MONTH = re.compile(r"(\d{4})-(\d{1,2})")


@dataclass(frozen=True)
class Scope:
    start: dt.date  # the first day
    end: dt.date  # the last day, included
    category_id: int | None = None
    campaign_id: int | None = None
    keyword: str | None = None

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("结束日期不能早于开始日期")

    @property
    def days(self) -> str:
        return (f"{self.start.year}年{self.start.month}月{self.start.day}日至"
                f"{self.end.year}年{self.end.month}月{self.end.day}日")

    def instants(self) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) as instants: midnight in the city, whatever the database stores."""
        zone = city_zone()
        return (dt.datetime.combine(self.start, dt.time(), zone),
                dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), zone))

    def case_filter(self, *, by_submission: bool = True) -> list[ColumnElement[bool]]:
        """The conditions on ``Case`` for the letters the report covers: sent in the span
        (unless ``by_submission`` is off), of the category and campaign, mentioning the
        keyword; a merged duplicate is its case's copy and does not count again."""
        conditions: list[ColumnElement[bool]] = [Case.merged_into_id.is_(None)]
        if by_submission:
            start, end = self.instants()
            conditions += [Case.submitted_at >= start, Case.submitted_at < end]
        if self.category_id is not None:
            conditions.append(Case.category_id == self.category_id)
        if self.campaign_id is not None:
            conditions.append(Case.campaign_id == self.campaign_id)
        if self.keyword:
            pattern = "%" + self.keyword.replace("\\", "\\\\").replace("%", "\\%").replace(
                "_", "\\_") + "%"
            conditions.append(or_(Case.title.like(pattern, escape="\\"),
                                  Case.content.like(pattern, escape="\\")))
        return conditions


def month_scope(text: str) -> Scope:
    """The calendar month written ``YYYY-MM`` (``2026-10``)."""
    match = _MONTH.fullmatch(text.strip())
    if not match or not 1 <= int(match[2]) <= 12 or not 1 <= int(match[1]) <= 9998:
        raise ValueError(f"月份“{text}”格式不对，应写作 YYYY-MM，例如 2026-10")
    start = dt.date(int(match[1]), int(match[2]), 1)
    following = (start + dt.timedelta(days=31)).replace(day=1)
    return Scope(start, following - dt.timedelta(days=1))
