"""Reference data the office keeps: departments, categories and the holiday calendar.

Each write records who made it in the security log; none commits.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.auth.events import record_security_event
from portal.auth.models import StaffUser

from .models import CalendarDay, Category, Department


class NameTaken(ValueError):
    """Another row already has this name."""


def _name_is_free(session: Session, model: type[Department] | type[Category], name: str
                  ) -> bool:
    return session.scalar(select(model.id).where(model.name == name)) is None


def add_department(session: Session, *, name: str, email: str | None, by: StaffUser
                   ) -> Department:
    """Add a handling unit (网络单位)."""
    if not _name_is_free(session, Department, name):
        raise NameTaken("已有同名的承办单位")
    department = Department(name=name, email=email)
    session.add(department)
    session.flush()
    record_security_event("add_department", user=by, object_type="department",
                          object_id=department.id)
    return department


def add_category(session: Session, *, name: str, sort_order: int, by: StaffUser) -> Category:
    """Add a category citizens choose from."""
    if not _name_is_free(session, Category, name):
        raise NameTaken("已有同名的类别")
    category = Category(name=name, sort_order=sort_order)
    session.add(category)
    session.flush()
    record_security_event("add_category", user=by, object_type="category",
                          object_id=category.id)
    return category


def set_calendar_day(session: Session, *, day: dt.date, is_working: bool, note: str,
                     by: StaffUser) -> CalendarDay:
    """Enter an official day off or make-up working day (it overrides the package)."""
    row = session.get(CalendarDay, day) or CalendarDay(day=day)
    row.is_working, row.note = is_working, note
    session.add(row)
    record_security_event("edit_calendar", user=by, object_type="calendar_day")
    return row
