"""Reference data the office keeps: departments, categories and the holiday calendar.

Each write records who made it in the security log; none commits. Departments and
categories are never deleted: cases, reports and the wall refer to them. Retired ones
(``is_active`` false) leave every list to choose from and stay everywhere else.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from portal.auth.events import record_security_event
from portal.auth.models import StaffUser

from .models import CalendarDay, Case, Category, CoHandling, Department
from .workflow import UNFINISHED


class NameTaken(ValueError):
    """Another row already has this name."""


class RetireRefused(ValueError):
    """The row cannot be retired now; the message says why, in Chinese."""


def _name_is_free(session: Session, model: type[Department] | type[Category], name: str,
                  but: int | None = None) -> bool:
    return session.scalar(select(model.id).where(model.name == name, model.id != but)) is None


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


def unfinished_cases(session: Session, department: Department) -> int:
    """How many cases not yet closed or declined the department leads or co-handles."""
    return session.scalar(select(func.count()).select_from(Case).where(
        Case.status.in_(UNFINISHED),
        or_(Case.department_id == department.id,
            Case.co_handlings.any(CoHandling.department_id == department.id)))) or 0


def edit_department(session: Session, department: Department, *, name: str,
                    email: str | None, by: StaffUser) -> None:
    """Rename a department or change where its notices go."""
    if not _name_is_free(session, Department, name, but=department.id):
        raise NameTaken("已有同名的承办单位")
    department.name, department.email = name, email
    record_security_event("edit_department", user=by, object_type="department",
                          object_id=department.id)


def set_department_active(session: Session, department: Department, active: bool,
                          by: StaffUser) -> None:
    """Retire a department (refused while it still has cases to finish) or reactivate it."""
    if not active:
        waiting = unfinished_cases(session, department)
        if waiting:
            raise RetireRefused(f"“{department.name}”还有 {waiting} 件未办结的诉求，"
                                "请先转办或办结后再停用")
    set_active(department, "department", active, by)


def edit_category(session: Session, category: Category, *, name: str, sort_order: int,
                  by: StaffUser) -> None:
    """Rename a category or move it in the list."""
    if not _name_is_free(session, Category, name, but=category.id):
        raise NameTaken("已有同名的类别")
    category.name, category.sort_order = name, sort_order
    record_security_event("edit_category", user=by, object_type="category",
                          object_id=category.id)


def set_active(row: Any, kind: str, active: bool, by: StaffUser) -> None:
    """Retire a piece of reference data (what refers to it keeps it) or offer it again,
    in the security log as ``retire_<kind>`` / ``enable_<kind>``."""
    row.is_active = active
    record_security_event(f"{'enable' if active else 'retire'}_{kind}", user=by,
                          object_type=kind, object_id=row.id)


def set_category_active(category: Category, active: bool, by: StaffUser) -> None:
    """Retire a category (cases keep it) or offer it again."""
    set_active(category, "category", active, by)


def set_calendar_day(session: Session, *, day: dt.date, is_working: bool, note: str,
                     by: StaffUser) -> CalendarDay:
    """Enter an official day off or make-up working day (it overrides the package)."""
    row = session.get(CalendarDay, day) or CalendarDay(day=day)
    row.is_working, row.note = is_working, note
    session.add(row)
    record_security_event("edit_calendar", user=by, object_type="calendar_day")
    return row
