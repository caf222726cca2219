"""回音壁: the redacted public copy of a case, its history and the search index's outbox."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import StaffUser
from portal.cases.models import Case
from portal.cases.workflow import Action, Adoption, Channel, Kind, LabelledEnum, Satisfaction
from portal.db import Base, UTCDateTime, enum_column, utcnow

# The parts of a public version, as the history and the citizen's mail name them: what a
# moderator writes, and how the citizen appears, which follows from their contact data.
TEXT_FIELDS = {"title": "标题", "letter": "来信", "reply": "答复", "address": "地点"}
PUBLIC_FIELDS = {**TEXT_FIELDS, "citizen_label": "来信人"}


@dataclass(frozen=True)
class PublicText:
    """What a moderator writes for the wall; ``address`` None keeps the place private."""

    title: str
    letter: str
    reply: str
    address: str | None = None


class VersionKind(LabelledEnum):
    """What made a public version."""

    PUBLISHED = ("published", "首次公开")
    EDITED = ("edited", "修改")
    WITHDRAWN = ("withdrawn", "撤回")
    REPUBLISHED = ("republished", "重新公开")

    @property
    def action(self) -> Action:
        """The workflow action that makes this change."""
        return _ACTIONS[self]


_ACTIONS = {VersionKind.PUBLISHED: Action.PUBLISH, VersionKind.EDITED: Action.EDIT_PUBLICATION,
            VersionKind.WITHDRAWN: Action.WITHDRAW, VersionKind.REPUBLISHED: Action.REPUBLISH}


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
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)
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
    versions: Mapped[list[PublicationVersion]] = relationship(
        back_populates="publication", cascade="all, delete-orphan",
        order_by="PublicationVersion.number")
    proposals: Mapped[list[ChangeProposal]] = relationship(
        back_populates="publication", cascade="all, delete-orphan", order_by="ChangeProposal.id")

    @property
    def text(self) -> PublicText:
        return PublicText(self.title, self.letter, self.reply, self.address)

    @property
    def pending_proposal(self) -> ChangeProposal | None:
        return next((p for p in self.proposals if p.decided_at is None), None)

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


class PublicationVersion(Base):
    """One public version: the texts the wall showed, who made them public, when and why.

    Every change adds one (a withdrawal keeps the texts it took down) and none is ever
    changed; ``Publication`` stays the live copy the wall and the search index read.
    """

    __tablename__ = "publication_versions"
    __table_args__ = (
        UniqueConstraint("publication_id", "number"),
        CheckConstraint("kind = 'published' OR reason IS NOT NULL", name="reason_given"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(
        ForeignKey("publications.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, … per publication
    kind: Mapped[VersionKind] = mapped_column(enum_column(VersionKind, "kind"))
    title: Mapped[str] = mapped_column(String(200))
    letter: Mapped[str] = mapped_column(Text)
    reply: Mapped[str] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(200))
    citizen_label: Mapped[str] = mapped_column(String(20))
    # Who made the change (for a moderator's proposal, the proposer); None: the system.
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    # The second pair of eyes: who approved a moderator's proposal.
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    publication: Mapped[Publication] = relationship(back_populates="versions")
    changed_by: Mapped[StaffUser | None] = relationship(foreign_keys=[changed_by_id])
    approved_by: Mapped[StaffUser | None] = relationship(foreign_keys=[approved_by_id])


class ChangeProposal(Base):
    """A moderator's edit, withdrawal or republication of something already public: it
    waits until another moderator or an admin approves or rejects it (four eyes).

    The texts are redacted when proposed, so those who review them read public text only;
    a withdrawal has none.
    """

    __tablename__ = "publication_proposals"
    __table_args__ = (
        # One proposal waits per publication, even when two moderators propose at once.
        Index("uq_publication_proposals_pending", "publication_id", unique=True,
              sqlite_where=text("decided_at IS NULL"),
              postgresql_where=text("decided_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(
        ForeignKey("publications.id", ondelete="CASCADE"), index=True)
    kind: Mapped[VersionKind] = mapped_column(enum_column(VersionKind, "kind"))
    title: Mapped[str | None] = mapped_column(String(200))
    letter: Mapped[str | None] = mapped_column(Text)
    reply: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    proposed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    approved: Mapped[bool | None] = mapped_column(Boolean)

    publication: Mapped[Publication] = relationship(back_populates="proposals")
    proposed_by: Mapped[StaffUser] = relationship(foreign_keys=[proposed_by_id])
    decided_by: Mapped[StaffUser | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def text(self) -> PublicText | None:
        """The proposed version; None for a withdrawal."""
        if self.title is None or self.letter is None or self.reply is None:
            return None
        return PublicText(self.title, self.letter, self.reply, self.address)


class SearchOutbox(Base):
    """One change for the search index, written in the publishing transaction."""

    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(index=True)
    op: Mapped[str] = mapped_column(String(10))  # "index" or "delete"
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
