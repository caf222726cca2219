"""The period and the filter every figure is computed for.

A period is a span of the city's calendar days (``TIMEZONE``); an event belongs to the
day, month and year on which it happened there, however the database stores the instant.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_

from portal.cases.models import Case
from portal.cases.workflow import Channel, Kind
from portal.clock import city_zone

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
# The days a period may cover: enough for any record, and the instants of both ends
# stay within what Python's dates can hold in any time zone.
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2100, 12, 31)
OUT_OF_RANGE = "日期应在2000年至2100年之间"


@dataclass(frozen=True)
class Period:
    """Inclusive local dates ``start`` … ``end``."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("结束日期不能早于开始日期")
        if self.start < FIRST_DAY or self.end > LAST_DAY:
            raise ValueError(OUT_OF_RANGE)

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        return cls(dt.date(year, month, 1),
                   dt.date(year, month, calendar.monthrange(year, month)[1]))

    @classmethod
    def parse(cls, text: str) -> Period:
        """A month written ``2026-10``; ValueError for anything else."""
        found = _MONTH.match(text.strip())
        if not found:
            raise ValueError(f"not a month: {text!r}")
        year, month = int(found[1]), int(found[2])
        if not 1 <= month <= 12:
            raise ValueError(f"not a month: {text!r}")
        return cls.month(year, month)

    @property
    def is_month(self) -> bool:
        return self.start.day == 1 and self == Period.month(self.start.year, self.start.month)

    @property
    def key(self) -> str:
        """``2026-10`` for a month, ``2026-10-01~2026-10-15`` otherwise."""
        if self.is_month:
            return f"{self.start.year}-{self.start.month:02d}"
        return f"{self.start}~{self.end}"

    @property
    def label(self) -> str:
        if self.is_month:
            return f"{self.start.year}年{self.start.month}月"
        return f"{self.start} 至 {self.end}"

    def previous(self) -> Period:
        """The month before (for a month), else the span of the same length just before."""
        if self.is_month:
            last = self.start - dt.timedelta(days=1)
            return Period.month(last.year, last.month)
        length = self.end - self.start
        end = self.start - dt.timedelta(days=1)
        return Period(end - length, end)

    def year_before(self) -> Period:
        if self.is_month:
            return Period.month(self.start.year - 1, self.start.month)
        return Period(_year_before(self.start), _year_before(self.end))

    def months_back(self, count: int) -> list[Period]:
        """This month and the ``count - 1`` before it, oldest first (a trend)."""
        months = [self]
        while len(months) < count:
            months.insert(0, months[0].previous())
        return months

    def utc_bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The instants [start, end) of the period in the city, for SQL."""
        zone = city_zone()
        return (dt.datetime.combine(self.start, dt.time(), zone).astimezone(dt.UTC),
                dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), zone
                                    ).astimezone(dt.UTC))


def _year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


@dataclass(frozen=True)
class Filter:
    """Which cases a figure looks at; every field optional.

    There is no district: cases do not record one (their place is free text, encrypted).
    """

    department_id: int | None = None
    category_id: int | None = None
    channel: Channel | None = None
    kind: Kind | None = None
    campaign_id: int | None = None
    keyword: str | None = None  # in the letter's title or text

    def case_conditions(self) -> list[ColumnElement[bool]]:
        """The conditions on ``Case`` for every field but the department, which depends
        on the event a figure counts (the unit that held the case then)."""
        conditions = [column == value for column, value in (
            (Case.channel, self.channel), (Case.kind, self.kind),
            (Case.category_id, self.category_id), (Case.campaign_id, self.campaign_id))
            if value is not None]
        if self.keyword:
            pattern = "%" + self.keyword.replace("\\", "\\\\").replace("%", "\\%").replace(
                "_", "\\_") + "%"
            conditions.append(or_(Case.title.like(pattern, escape="\\"),
                                  Case.content.like(pattern, escape="\\")))
        return conditions
