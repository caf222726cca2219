"""专项征集: a themed, time-boxed call for suggestions run by one department."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.cases.models import Case, Department
from portal.db import Base, UTCDateTime, utcnow


class Campaign(Base):
    __tablename__ = "campaigns"
    __table_args__ = (CheckConstraint("closes_on >= opens_on", name="period_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    opens_on: Mapped[dt.date] = mapped_column(Date)
    closes_on: Mapped[dt.date] = mapped_column(Date)  # the last day submissions are taken
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    department: Mapped[Department] = relationship()
    cases: Mapped[list[Case]] = relationship(back_populates="campaign")

    def phase(self, today: dt.date) -> str:
        """'upcoming', 'open' or 'closed' on ``today`` (the city's local date)."""
        if today < self.opens_on:
            return "upcoming"
        if today > self.closes_on:
            return "closed"
        return "open"

    def is_open(self, today: dt.date) -> bool:
        return self.phase(today) == "open"
