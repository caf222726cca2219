"""回音壁: the redacted public copy of a case and the search index's outbox."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ColumnElement, ForeignKey, String, Text
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.cases.models import Case
from portal.cases.workflow import Adoption, Channel, Kind, Satisfaction
from portal.db import Base, UTCDateTime, enum_column, utcnow


class Publication(Base):
    """The public version of a case, stored apart from the original (docs/security.md A23).

    Everything here has been through ``redact`` at publication; the search index is
    fed from these rows only.
    """

    __tablename__ = "publications"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    letter: Mapped[str] = mapped_column(Text)
    reply: Mapped[str] = mapped_column(Text)
    citizen_label: Mapped[str] = mapped_column(String(20))
    # Where it happened, as the moderator let it be public; None: the place stays private.
    address: Mapped[str | None] = mapped_column(String(200))
    department_name: Mapped[str] = mapped_column(String(100), index=True)
    category_name: Mapped[str] = mapped_column(String(100), index=True)
    kind: Mapped[Kind] = mapped_column(enum_column(Kind, "kind"))
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, "channel"))
    adoption: Mapped[Adoption | None] = mapped_column(enum_column(Adoption, "adoption"))
    satisfaction: Mapped[Satisfaction | None] = mapped_column(
        enum_column(Satisfaction, "satisfaction"))
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    replied_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    # The moderator's switch (withdrawal turns it off); read it through ``is_public``.
    shown: Mapped[bool] = mapped_column("is_public", Boolean, default=True, index=True)
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    case: Mapped[Case] = relationship(back_populates="publication")

    @hybrid_property
    def is_public(self) -> bool:
        """The one answer to "may the public see this?": the wall, its feeds, the open
        data, the search index and the staff pages all ask here, in Python or in SQL."""
        return self.shown

    @is_public.inplace.setter
    def _is_public_setter(self, value: bool) -> None:
        self.shown = value

    @is_public.inplace.expression
    @classmethod
    def _is_public_expression(cls) -> ColumnElement[bool]:
        return cls.shown.is_(True)

    @property
    def days_taken(self) -> int:
        return max((self.replied_at - self.submitted_at).days, 0)


class SearchOutbox(Base):
    """One change for the search index, written in the publishing transaction."""

    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(index=True)
    op: Mapped[str] = mapped_column(String(10))  # "index" or "delete"
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
