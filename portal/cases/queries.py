"""Read side for citizens' pages: choices for forms, tracking lookups."""

from __future__ import annotations

import hmac

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .models import Case, Category
from .tracking import normalise_tracking_code


def category_choices(session: Session) -> list[tuple[int | str, str]]:
    rows = session.execute(
        select(Category.id, Category.name)
        .where(Category.is_active.is_(True))
        .order_by(Category.sort_order, Category.id)
    ).all()
    return [("", "请选择")] + [(r.id, r.name) for r in rows]


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
