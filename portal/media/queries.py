"""Read side of the media columns: the issues, and where each public reply was carried."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from .models import ColumnIssue, ColumnItem, IssueStatus, MediaOutlet


@dataclass(frozen=True)
class Appearance:
    """One sent issue that carried a reply."""

    outlet: str
    column: str
    issue_date: dt.date

    @property
    def label(self) -> str:
        day = self.issue_date
        return f"《{self.outlet}》{self.column}（{day.year}年{day.month}月{day.day}日）"


def issues_query() -> Select[ColumnIssue]:
    """Every issue, the latest issue date first."""
    return select(ColumnIssue).order_by(ColumnIssue.issue_date.desc(), ColumnIssue.id.desc())


def known_outlets(session: Session) -> list[MediaOutlet]:
    return list(session.scalars(select(MediaOutlet).order_by(MediaOutlet.name,
                                                             MediaOutlet.column_name)))


def appearances(session: Session, publication_ids: list[int]) -> dict[int, list[Appearance]]:
    """For each of ``publication_ids``, the sent issues that carried it, oldest first.

    Drafts never count: what the wall says was carried must have been.
    """
    if not publication_ids:
        return {}
    rows = session.execute(
        select(ColumnItem.publication_id, MediaOutlet.name, MediaOutlet.column_name,
               ColumnIssue.issue_date)
        .join(ColumnIssue, ColumnItem.issue_id == ColumnIssue.id)
        .join(MediaOutlet, ColumnIssue.outlet_id == MediaOutlet.id)
        .where(ColumnItem.publication_id.in_(publication_ids),
               ColumnIssue.status == IssueStatus.SENT)
        .order_by(ColumnIssue.issue_date, ColumnIssue.id))
    found: dict[int, list[Appearance]] = defaultdict(list)
    for pub_id, outlet, column, day in rows:
        found[pub_id].append(Appearance(outlet, column, day))
    return dict(found)
