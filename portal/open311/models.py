"""Open311 GeoReport v2: API clients and their keys, what each request brought, and the
extra fields (attributes) a category asks for."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.cases.models import Case, Category
from portal.db import Base, UTCDateTime, enum_column, utcnow
from portal.privacy.crypto import EncryptedFloat


class ApiClient(Base):
    """An app or another system that submits through Open311, with its one API key.

    Only the key's SHA-256 hash is stored, and its first characters so that people can
    tell keys apart; the key itself is shown once, when it is issued.
    """

    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    key_prefix: Mapped[str] = mapped_column(String(8))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Open311Request(Base):
    """How a case came in through Open311: the client, the answer's token, the fields
    the case itself has no column for (attributes, coordinates)."""

    __tablename__ = "open311_requests"
    # Coordinates are encrypted, so the database can only see that they come in pairs;
    # their ranges are checked where a request is read (``submission._place``).
    __table_args__ = (
        CheckConstraint("(lat IS NULL AND long IS NULL) OR (lat IS NOT NULL AND long IS NOT NULL)",
                        name="coordinates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_clients.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         unique=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    lat: Mapped[float | None] = mapped_column(EncryptedFloat)  # they pinpoint a home
    long: Mapped[float | None] = mapped_column(EncryptedFloat)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    client: Mapped[ApiClient] = relationship()
    case: Mapped[Case] = relationship()


class Datatype(enum.StrEnum):
    """The kinds of input GeoReport v2 defines for an attribute."""

    STRING = "string"
    NUMBER = "number"
    DATETIME = "datetime"
    TEXT = "text"
    SINGLEVALUELIST = "singlevaluelist"
    MULTIVALUELIST = "multivaluelist"


class ServiceAttribute(Base):
    """One extra field of a category's Open311 service definition (``attribute[code]``)."""

    __tablename__ = "service_attributes"
    __table_args__ = (UniqueConstraint("category_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"),
                                             index=True)
    code: Mapped[str] = mapped_column(String(50))
    datatype: Mapped[Datatype] = mapped_column(enum_column(Datatype, "datatype"))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str] = mapped_column(String(200))
    datatype_description: Mapped[str] = mapped_column(String(200), default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=1)
    # For the list types: [{"key": "...", "name": "..."}, ...] (the standard's "values")
    options: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)

    category: Mapped[Category] = relationship()

    @property
    def is_list(self) -> bool:
        return self.datatype in (Datatype.SINGLEVALUELIST, Datatype.MULTIVALUELIST)

    def value_name(self, key: str) -> str:
        """The human name of a list option, for the case text staff read."""
        return next((o["name"] for o in self.options if o["key"] == key), key)
