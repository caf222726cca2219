"""Reports as issued: each kept whole, so that re-opening one shows what was issued."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import StaffUser
from portal.cases.workflow import LabelledEnum
from portal.db import Base, UTCDateTime, enum_column, utcnow

from .document import Report


class ReportKind(LabelledEnum):
    MONTHLY = ("monthly", "月报")
    SPECIAL = ("special", "专报")


class StoredReport(Base):
    """A monthly or special report with its text and figures frozen at issue (JSON of
    ``document.Report``): later changes to the cases never change it."""

    __tablename__ = "stored_reports"
    __table_args__ = (CheckConstraint("period_end >= period_start", name="period_in_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ReportKind] = mapped_column(enum_column(ReportKind, "kind"))
    title: Mapped[str] = mapped_column(String(200))
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)  # the last day, included
    filter_description: Mapped[str] = mapped_column(String(500))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # None: made from the command line.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))

    created_by: Mapped[StaffUser | None] = relationship()

    @property
    def report(self) -> Report:
        return Report.from_dict(self.document)
