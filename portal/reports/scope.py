"""What a report covers: a period of the city's calendar days and a filter of the cases
(the same ``Period`` and ``Filter`` the figures are computed for)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement

from portal.cases.models import Case

from .period import Filter, Period


@dataclass(frozen=True)
class Scope:
    start: dt.date  # the first day
    end: dt.date  # the last day, included
    category_id: int | None = None
    campaign_id: int | None = None
    keyword: str | None = None

    def __post_init__(self) -> None:
        Period(self.start, self.end)  # refuses an end before the start

    @property
    def period(self) -> Period:
        return Period(self.start, self.end)

    @property
    def filter(self) -> Filter:
        return Filter(category_id=self.category_id, campaign_id=self.campaign_id,
                      keyword=self.keyword)

    @property
    def days(self) -> str:
        return (f"{self.start.year}年{self.start.month}月{self.start.day}日至"
                f"{self.end.year}年{self.end.month}月{self.end.day}日")

    def case_filter(self, *, by_submission: bool = True) -> list[ColumnElement[bool]]:
        """The conditions on ``Case`` for the letters the report covers: sent in the span
        (unless ``by_submission`` is off), of the category and campaign, mentioning the
        keyword; a merged duplicate is its case's copy and does not count again."""
        conditions = [Case.merged_into_id.is_(None), *self.filter.case_conditions()]
        if by_submission:
            start, end = self.period.utc_bounds()
            conditions += [Case.submitted_at >= start, Case.submitted_at < end]
        return conditions


def month_scope(text: str) -> Scope:
    """The calendar month written ``YYYY-MM`` (``2026-10``)."""
    try:
        month = Period.parse(text)
    except ValueError:
        raise ValueError(f"月份“{text}”格式不对，应写作 YYYY-MM，例如 2026-10") from None
    return Scope(month.start, month.end)
