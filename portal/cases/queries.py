"""Read side for citizens' pages: choices for forms, tracking lookups."""

from __future__ import annotations

import hmac

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .models import Case, Category
from .tracking import normalise_tracking_code

Choices = list[tuple[int | str, str]]


def active_categories(session: Session) -> list[tuple[int, str]]:
    """The categories to choose from: retired ones stay on their cases only."""
    rows = session.execute(
        select(Category.id, Category.name)
        .where(Category.is_active.is_(True))
        .order_by(Category.sort_order, Category.id)
    ).all()
    return [(r.id, r.name) for r in rows]


def category_choices(session: Session) -> Choices:
    return [("", "请选择"), *active_categories(session)]


def chosen_category_only(chosen: int | None) -> Choices:
    """Choices while the database is down: the list is unknown, so only the citizen's own
    choice is kept (unnamed) and sent again with the form."""
    if chosen is None:
        return [("", "类别列表暂时无法显示，请稍后选择")]
    return [(chosen, "已选择（类别名称暂时无法显示）")]


def case_by_tracking_code(session: Session, code: str) -> Case | None:
    canonical = normalise_tracking_code(code)
    if canonical is None:
        return None
    return session.scalar(
        select(Case)
        .where(Case.tracking_code == canonical)
        .options(selectinload(Case.events), selectinload(Case.attachments))
    )


def case_for_citizen(session: Session, code: str, phone_last4: str) -> Case | None:
    """The case if the code exists and the phone matches; None in every other situation."""
    case = case_by_tracking_code(session, code)
    expected = case.contact.phone_last4 if case and case.contact else None
    if not hmac.compare_digest((expected or "----").encode(), phone_last4.encode()):
        return None
    return case
