"""Working days between two dates for many cases at once: the calendar read once, then
each count is a subtraction."""

from __future__ import annotations

import datetime as dt
from itertools import accumulate

from sqlalchemy.orm import Session

from portal.cases.deadlines import WorkCalendar


class WorkdayIndex:
    """Counts working days over ``start`` … ``end`` from one ``WorkCalendar.load``."""

    def __init__(self, session: Session, start: dt.date, end: dt.date) -> None:
        calendar = WorkCalendar.load(session, start, end)
        self.start = start
        days = (end - start).days + 1
        self._upto = list(accumulate(
            int(calendar.is_working_day(start + dt.timedelta(days=i))) for i in range(days)))

    def between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end``, as
        ``WorkCalendar.working_days_between`` counts them."""
        return self._upto[(end - self.start).days] - self._upto[(start - self.start).days]
