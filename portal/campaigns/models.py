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
    # The questions citizens are asked to address, one per line.
    questions: Mapped[str] = mapped_column(Text, default="")
    # The cover image under ATTACHMENT_DIR (checked like citizens' attachments).
    cover_key: Mapped[str | None] = mapped_column(String(100))
    cover_type: Mapped[str | None] = mapped_column(String(20))
    # Set when staff close the campaign before its last day: it takes nothing after that.
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The department's account of what came in and what was done (shown once closed).
    results_summary: Mapped[str | None] = mapped_column(Text)

    department: Mapped[Department] = relationship()
    cases: Mapped[list[Case]] = relationship(back_populates="campaign")

    @property
    def question_list(self) -> list[str]:
        return [q for q in (line.strip() for line in self.questions.splitlines()) if q]

    def phase(self, today: dt.date) -> str:
        """'upcoming', 'open' or 'closed' on ``today`` (the city's local date)."""
        if self.closed_at is not None or today > self.closes_on:
            return "closed"
        if today < self.opens_on:
            return "upcoming"
        return "open"

    def is_open(self, today: dt.date) -> bool:
        return self.phase(today) == "open"
