"""Page through a query: the items of one page, the total, and links' numbers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


@dataclass
class Page:
    items: list[Any]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paginate(session: Session, query: Select[Any], page: int, per_page: int = 20) -> Page:
    """One page of ``query``; out-of-range page numbers are clamped, never an error."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    page_obj = Page([], total or 0, 1, per_page)
    page_obj.page = min(max(page, 1), page_obj.pages)
    page_obj.items = list(
        session.scalars(query.limit(per_page).offset((page_obj.page - 1) * per_page)).unique()
    )
    return page_obj
