"""The media columns' figure for the reports: replies carried per outlet's column."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import ColumnIssue, ColumnItem, IssueStatus, MediaOutlet


def media_counts(session: Session, start_date: dt.date, end_date: dt.date
                 ) -> list[tuple[str, str, int]]:
    """(outlet, column, replies carried) for the sent issues dated ``start_date`` to
    ``end_date``, both included; the most first, then by name. The issue date decides the
    period; drafts do not count, and a reply carried by two issues counts twice."""
    carried = func.count(ColumnItem.id)
    rows = session.execute(
        select(MediaOutlet.name, MediaOutlet.column_name, carried)
        .join(ColumnIssue, ColumnIssue.outlet_id == MediaOutlet.id)
        .join(ColumnItem, ColumnItem.issue_id == ColumnIssue.id)
        .where(ColumnIssue.status == IssueStatus.SENT,
               ColumnIssue.issue_date >= start_date, ColumnIssue.issue_date <= end_date)
        .group_by(MediaOutlet.name, MediaOutlet.column_name)
        .order_by(carried.desc(), MediaOutlet.name, MediaOutlet.column_name))
    return [(outlet, column, int(count)) for outlet, column, count in rows]
