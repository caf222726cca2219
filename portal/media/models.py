"""媒体回音壁栏目: outlets' columns, their issues and the published replies picked into them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import StaffUser
from portal.cases.workflow import LabelledEnum
from portal.db import Base, UTCDateTime, enum_column, utcnow
from portal.wall.models import Publication

OUTLET_NAME_MAX = COLUMN_NAME_MAX = 100
LENGTH_LIMIT_MIN, LENGTH_LIMIT_MAX = 50, 10_000  # characters per item, as outlets ask


class OutletKind(LabelledEnum):
    NEWSPAPER = ("newspaper", "报纸")
    TV = ("tv", "电视")
    RADIO = ("radio", "广播")


class IssueStatus(LabelledEnum):
    DRAFT = ("draft", "编辑中")
    SENT = ("sent", "已刊登")


class MediaOutlet(Base):
    """One outlet's 回音壁 column (《杭州日报》“市长信箱回音壁”) and its usual length per item.

    An issue copies the length when it is created, so changing it later leaves the issues
    already made as they were.
    """

    __tablename__ = "media_outlets"
    __table_args__ = (
        UniqueConstraint("name", "column_name"),
        CheckConstraint(f"length_limit BETWEEN {LENGTH_LIMIT_MIN} AND {LENGTH_LIMIT_MAX}",
                        name="length_limit_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(OUTLET_NAME_MAX))
    kind: Mapped[OutletKind] = mapped_column(enum_column(OutletKind, "kind"))
    column_name: Mapped[str] = mapped_column(String(COLUMN_NAME_MAX))
    length_limit: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def title(self) -> str:
        return f"《{self.name}》{self.column_name}"


class ColumnIssue(Base):
    """One issue of a column: the replies it carries, in order, each cut to its length."""

    __tablename__ = "column_issues"
    __table_args__ = (
        CheckConstraint(f"length_limit BETWEEN {LENGTH_LIMIT_MIN} AND {LENGTH_LIMIT_MAX}",
                        name="length_limit_range"),
        CheckConstraint("(status = 'sent') = (sent_at IS NOT NULL)", name="sent_when_sent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("media_outlets.id"), index=True)
    issue_date: Mapped[dt.date] = mapped_column(Date, index=True)
    length_limit: Mapped[int] = mapped_column(Integer)
    status: Mapped[IssueStatus] = mapped_column(enum_column(IssueStatus, "status"),
                                                default=IssueStatus.DRAFT)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    outlet: Mapped[MediaOutlet] = relationship(lazy="joined")
    created_by: Mapped[StaffUser] = relationship(foreign_keys=[created_by_id])
    sent_by: Mapped[StaffUser | None] = relationship(foreign_keys=[sent_by_id])
    items: Mapped[list[ColumnItem]] = relationship(
        back_populates="issue", cascade="all, delete-orphan",
        order_by="(ColumnItem.position, ColumnItem.id)")

    @property
    def is_draft(self) -> bool:
        return self.status == IssueStatus.DRAFT

    @property
    def printable(self) -> list[ColumnItem]:
        """The items that go to the outlet: a reply withdrawn from the wall, or whose public
        text changed after it was picked (a moderator masked one more detail, say), never
        does; it is picked again."""
        return [item for item in self.items if item.is_current]


class ColumnItem(Base):
    """A published reply in an issue, with the text cut to the issue's length.

    ``text`` starts as the reply's public (redacted) text, and staff only shorten it.
    """

    __tablename__ = "column_items"
    __table_args__ = (
        UniqueConstraint("issue_id", "publication_id"),
        CheckConstraint("position >= 1", name="position_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("column_issues.id", ondelete="CASCADE"),
                                          index=True)
    publication_id: Mapped[int] = mapped_column(
        ForeignKey("publications.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    issue: Mapped[ColumnIssue] = relationship(back_populates="items")
    publication: Mapped[Publication] = relationship(lazy="joined")

    @property
    def is_current(self) -> bool:
        """The reply is on the wall as it was when picked."""
        return self.publication.is_public and all(
            version.created_at <= self.added_at for version in self.publication.versions)
