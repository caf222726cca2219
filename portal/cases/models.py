"""Cases and what hangs off them: contact data, attachments, the audit trail."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ColumnElement,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, UTCDateTime, enum_column, utcnow
from portal.privacy.crypto import EncryptedText
from portal.privacy.redact import labelled_names

from .workflow import (
    TRANSITIONS,
    Action,
    Adoption,
    Channel,
    ExtensionStatus,
    Kind,
    Role,
    Satisfaction,
    Status,
)

if TYPE_CHECKING:  # the other ends of relationships; importing them here would be a cycle
    from portal.auth.models import StaffUser
    from portal.campaigns.models import Campaign
    from portal.wall.models import Publication


class Department(Base):
    """网络单位: a unit of the city government that handles cases."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Department {self.name}>"


class Category(Base):
    """A subject area the city configures (城乡建设, 交通出行 …)."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class Case(Base):
    """诉求/件: one citizen matter, whatever the channel."""

    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint("length(title) > 0", name="title_not_empty"),
        CheckConstraint("length(content) > 0", name="content_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(40), unique=True)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, "channel"))
    kind: Mapped[Kind] = mapped_column(enum_column(Kind, "kind"))
    status: Mapped[Status] = mapped_column(enum_column(Status, "status"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    # The department the letter complains about, if any: its staff never see who wrote it
    # (docs/security.md A33, staff/identity.py). Set when the case is assigned.
    subject_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))

    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)  # the letter, or a suggestion's problem
    proposal: Mapped[str | None] = mapped_column(Text)  # suggestions only
    benefit: Mapped[str | None] = mapped_column(Text)  # suggestions only
    # The place of the incident: often the citizen's own address.
    location: Mapped[str | None] = mapped_column(EncryptedText)
    consent_publish: Mapped[bool] = mapped_column(Boolean, default=False)
    satisfaction: Mapped[Satisfaction | None] = mapped_column(
        enum_column(Satisfaction, "satisfaction")
    )
    adoption: Mapped[Adoption | None] = mapped_column(enum_column(Adoption, "adoption"))
    # The hidden token of the form that created the case: a double click submits once.
    submission_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    # SHA-256 of the title and letter, spacing and punctuation aside (cases/duplicates.py);
    # None for cases written before migration 0009 and for imported replies.
    content_fingerprint: Mapped[str | None] = mapped_column(String(64), index=True)
    # The letter's words (portal.chinese.letter_words) for the reports' hot topics; None
    # until cut (imported letters, those before migration 0013, and after a purge).
    topic_words: Mapped[str | None] = mapped_column(Text)

    # Handling, set only by the workflow services.
    # When acceptance becomes late (deadlines.acceptance_due_at); None for imported cases.
    accept_due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    due_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    # The day ``supervise`` flagged the current deadline (acceptance's, then the
    # department's) as missed: each deadline is reminded once.
    overdue_notified_on: Mapped[dt.date | None] = mapped_column(Date)
    escalated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    answer: Mapped[str | None] = mapped_column(Text)  # the department's draft
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reply: Mapped[str | None] = mapped_column(Text)  # what the citizen received
    replied_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    followed_up_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    follow_up_nonce: Mapped[str | None] = mapped_column(String(32))  # one-use survey link
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # When the owner explained, instead of reopening, why an unsatisfied case stays closed.
    explained_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    # When the retention job erased the citizen's contact data and place (SECURITY A26).
    personal_data_purged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    # Set for replies imported from the archive (idempotent re-import).
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)

    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    category: Mapped[Category | None] = relationship()
    campaign: Mapped[Campaign | None] = relationship(back_populates="cases")
    department: Mapped[Department | None] = relationship(foreign_keys=[department_id])
    subject_department: Mapped[Department | None] = relationship(
        foreign_keys=[subject_department_id])
    contact: Mapped[Contact | None] = relationship(
        back_populates="case", uselist=False, cascade="all, delete-orphan"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Attachment.id"
    )
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseEvent.id"
    )
    owner: Mapped[StaffUser | None] = relationship()
    co_handlings: Mapped[list[CoHandling]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CoHandling.id"
    )
    extensions: Mapped[list[ExtensionRequest]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="ExtensionRequest.id"
    )
    merged_into: Mapped[Case | None] = relationship(remote_side=[id], back_populates="merged")
    merged: Mapped[list[Case]] = relationship(back_populates="merged_into")
    publication: Mapped[Publication | None] = relationship(
        back_populates="case", uselist=False)

    @property
    def is_suggestion(self) -> bool:
        return self.channel == Channel.SUGGESTION

    @property
    def citizen_names(self) -> list[str]:
        """The names the citizen gave, in the form and after a contact label in the letter
        (反映人：岳飞), for redaction to mask wherever they appear: the reply too."""
        given = [self.contact.name] if self.contact and self.contact.name else []
        return given + labelled_names(self.title, self.content, self.proposal, self.benefit)

    @property
    def public_events(self) -> list[CaseEvent]:
        return [e for e in self.events if e.is_public]

    @property
    def co_department_ids(self) -> frozenset[int]:
        return frozenset(c.department_id for c in self.co_handlings)

    @property
    def pending_extension(self) -> ExtensionRequest | None:
        return next((x for x in self.extensions if x.status == ExtensionStatus.PENDING), None)

    @property
    def has_pending_extension(self) -> bool:
        return self.pending_extension is not None

    @property
    def is_published(self) -> bool:
        return self.publication is not None and self.publication.is_public

    @property
    def was_published(self) -> bool:
        return self.publication is not None

    @property
    def pending_change(self) -> Action | None:
        proposal = self.publication.pending_proposal if self.publication else None
        return proposal.kind.action if proposal else None

    @property
    def pending_change_by(self) -> int | None:
        proposal = self.publication.pending_proposal if self.publication else None
        return proposal.proposed_by_id if proposal else None

    def is_overdue(self, today: dt.date) -> bool:
        """The department's deadline passed while the case is still with it."""
        return self.due_on is not None and self.status == Status.ASSIGNED and today > self.due_on

    @classmethod
    def overdue_on(cls, today: dt.date) -> ColumnElement[bool]:
        """``is_overdue`` in SQL, for queries."""
        return and_(cls.status == Status.ASSIGNED, cls.due_on < today)

    def __repr__(self) -> str:
        return f"<Case {self.id} {self.status}>"


class Contact(Base):
    """The citizen's personal data, kept apart from the case and encrypted at rest."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str | None] = mapped_column(EncryptedText)
    salutation: Mapped[str | None] = mapped_column(String(4))
    phone: Mapped[str | None] = mapped_column(EncryptedText)
    email: Mapped[str | None] = mapped_column(EncryptedText)
    consented_privacy_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="contact")

    @property
    def phone_last4(self) -> str | None:
        return self.phone[-4:] if self.phone else None


class Attachment(Base):
    """A file a citizen sent with a case; stored outside ``static/``, never public."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="attachments")


class CaseEvent(Base):
    """The audit trail: every change to a case, who made it, when, from and to which state."""

    __tablename__ = "case_events"
    __table_args__ = (
        CheckConstraint("answer_quality BETWEEN 1 AND 5", name="answer_quality_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    action: Mapped[Action] = mapped_column(enum_column(Action, "action"))
    from_status: Mapped[Status | None] = mapped_column(enum_column(Status, "from_status"))
    to_status: Mapped[Status] = mapped_column(enum_column(Status, "to_status"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    actor_role: Mapped[Role] = mapped_column(enum_column(Role, "actor_role"))
    # The lead department when the event happened (for per-department counts).
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    note: Mapped[str | None] = mapped_column(Text)
    is_public: Mapped[bool] = mapped_column(Boolean, default=False)
    ip_address: Mapped[str | None] = mapped_column(String(45))
    request_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Facts of the moment that later steps overwrite on the case, kept for the figures
    # (docs/figures.md): an answer's deadline in force, a follow-up's rating, and the mark
    # (1–5) the owner gave the department's answer when approving or sending it back, and
    # the adoption a suggestion's answer gave.
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    satisfaction: Mapped[Satisfaction | None] = mapped_column(
        enum_column(Satisfaction, "satisfaction"))
    answer_quality: Mapped[int | None] = mapped_column(Integer)
    adoption: Mapped[Adoption | None] = mapped_column(enum_column(Adoption, "adoption"))

    case: Mapped[Case] = relationship(back_populates="events")
    actor: Mapped[StaffUser | None] = relationship()
    department: Mapped[Department | None] = relationship()

    @property
    def public_text(self) -> str | None:
        return TRANSITIONS[self.action].public_text


class CoHandling(Base):
    """协办: a department that adds its opinion while the lead department answers."""

    __tablename__ = "co_handlings"
    __table_args__ = (UniqueConstraint("case_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    opinion: Mapped[str | None] = mapped_column(Text)
    opinion_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    case: Mapped[Case] = relationship(back_populates="co_handlings")
    department: Mapped[Department] = relationship()


class ExtensionRequest(Base):
    """延期: a handler asks for more working days; a supervisor decides."""

    __tablename__ = "extension_requests"
    __table_args__ = (
        CheckConstraint("days > 0", name="days_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    days: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[ExtensionStatus] = mapped_column(enum_column(ExtensionStatus, "status", 10),
                                                    default=ExtensionStatus.PENDING)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    case: Mapped[Case] = relationship(back_populates="extensions")


class CalendarDay(Base):
    """An official day off or make-up working day from the State Council's yearly notice.

    Rows override the ``chinese_calendar`` package; an admin enters next year's
    schedule when it is announced (usually in November).
    """

    __tablename__ = "calendar_days"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    is_working: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(100), default="")


class CannedReply(Base):
    """A reply template an owner can start from, per category (or for all)."""

    __tablename__ = "canned_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    category: Mapped[Category | None] = relationship()
