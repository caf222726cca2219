"""Deadlines in Chinese working days.

Which days are worked is decided, in order, by: the ``calendar_days`` table (what an
admin entered from the State Council's notice), the ``chinese_calendar`` package
(official schedule up to the year it was released for), and otherwise Monday to
Friday. The last case is flagged, so staff know a deadline may move once the
schedule is published.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import chinese_calendar
from flask import current_app
from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from portal.clock import city_zone

from .models import CalendarDay, Case
from .workflow import Kind, Status

ACCEPTANCE_WORKING_DAYS = 1  # the home page's promise: 受理 within 1 working day
WAITING = (Status.SUBMITTED, Status.HELD)

DEFAULT_WORKING_DAYS = {
    Kind.COMPLAINT: 15,
    Kind.REQUEST: 10,
    Kind.CONSULTATION: 5,
    Kind.SUGGESTION: 20,
    Kind.PRAISE: 5,
}


def package_knows(day: dt.date) -> bool:
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


@dataclass
class WorkCalendar:
    """Answers "is this a working day?" for a span of dates, from one database read."""

    overrides: dict[dt.date, bool]

    @classmethod
    def load(cls, session: Session, start: dt.date, end: dt.date) -> WorkCalendar:
        rows = session.execute(
            select(CalendarDay.day, CalendarDay.is_working).where(
                CalendarDay.day >= start, CalendarDay.day <= end
            )
        ).all()
        return cls({r.day: r.is_working for r in rows})

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            return day.weekday() < 5

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The date ``days`` working days after ``start`` (``start`` itself not counted)."""
        day = start
        while days > 0:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                days -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end``; negative if past."""
        if end < start:
            return -self.working_days_between(end, start)
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            count += self.is_working_day(day)
        return count


def working_days_for(kind: Kind) -> int:
    configured = current_app.config.get("DEADLINE_WORKING_DAYS") or {}
    return int(configured.get(kind.value, DEFAULT_WORKING_DAYS[kind]))


def due_date(session: Session, start: dt.date, days: int) -> dt.date:
    calendar = WorkCalendar.load(session, start, start + dt.timedelta(days=days * 3 + 30))
    return calendar.add_working_days(start, days)


def working_days_left(session: Session, today: dt.date, due_on: dt.date) -> int:
    lo, hi = min(today, due_on), max(today, due_on)
    return WorkCalendar.load(session, lo, hi).working_days_between(today, due_on)


def schedule_known(session: Session, year: int) -> bool:
    """Whether ``year``'s official schedule is known: in the package or entered by an admin."""
    if package_knows(dt.date(year, 1, 1)):
        return True
    entered = session.scalar(
        select(func.count()).select_from(CalendarDay).where(
            CalendarDay.day >= dt.date(year, 1, 1), CalendarDay.day <= dt.date(year, 12, 31)
        )
    )
    return bool(entered)


def acceptance_due_at(calendar: WorkCalendar, submitted_at: dt.datetime, zone: ZoneInfo
                      ) -> dt.datetime:
    """The instant (UTC) a submission becomes late for acceptance: the city's midnight
    that ends the ``ACCEPTANCE_WORKING_DAYS``-th working day after the day it came in."""
    day = calendar.add_working_days(submitted_at.astimezone(zone).date(),
                                    ACCEPTANCE_WORKING_DAYS)
    return day_start(day + dt.timedelta(days=1), zone)


def day_start(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    """The city's midnight that starts ``day``, in UTC."""
    return dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC)


def acceptance_deadline(session: Session, submitted_at: dt.datetime) -> dt.datetime:
    """``acceptance_due_at`` from the portal's calendar and the city's zone."""
    start = submitted_at.astimezone(city_zone()).date()
    calendar = WorkCalendar.load(session, start, start + dt.timedelta(days=40))
    return acceptance_due_at(calendar, submitted_at, city_zone())


def late_for_acceptance(today: dt.date) -> ColumnElement[bool]:
    """Cases still waiting (submitted or held) whose acceptance deadline ended before
    ``today`` began."""
    return and_(Case.status.in_(WAITING), Case.accept_due_at <= day_start(today, city_zone()))


def missing_schedule_warning(session: Session, today: dt.date) -> str | None:
    """A warning for the dashboard when next year's official schedule is not known yet."""
    next_year = today.year + 1
    if schedule_known(session, next_year):
        return None
    return (f"尚未录入 {next_year} 年法定节假日安排。跨年的办理时限暂按周一至周五计算，"
            "请管理员在国务院办公厅发布通知后及时录入。")
