"""Issuing a report: build it from the data of now and keep it as issued."""

from __future__ import annotations

from sqlalchemy.orm import Session

from portal.auth.events import record_security_event

from .assemble import BUILDERS
from .brief import Brief
from .models import StoredReport


def issue_report(session: Session, brief: Brief) -> StoredReport:
    """Build the report ``brief`` asks for and store it; flushes, never commits."""
    report = BUILDERS[brief.kind](session, brief)
    stored = StoredReport(kind=brief.kind, title=report.title, period_start=brief.scope.start,
                          period_end=brief.scope.end, filter_description=report.period,
                          document=report.to_dict(), created_at=report.created_at,
                          created_by_id=brief.made_by.id if brief.made_by else None)
    session.add(stored)
    session.flush()
    record_security_event("issue_report", user=brief.made_by, object_type="stored_report",
                          object_id=stored.id)
    return stored
