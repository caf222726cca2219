"""Staff accounts, their roles, and the security log of what staff did outside cases."""

from __future__ import annotations

import contextlib
import datetime as dt
import os

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.cases.models import Department
from portal.cases.workflow import Role
from portal.db import Base, UTCDateTime, enum_column, utcnow
from portal.privacy.crypto import EncryptedText

# argon2id with the library's parameters (RFC 9106 low-memory profile); the test suite
# lowers the cost through the environment, since it hashes hundreds of passwords.
_hasher = PasswordHasher(
    time_cost=int(os.environ.get("PASSWORD_HASH_TIME_COST", 3)),
    memory_cost=int(os.environ.get("PASSWORD_HASH_MEMORY_KIB", 65536)),
)
_DUMMY_HASH = _hasher.hash("unknown-user-timing-equaliser")
USERNAME_MAX = 64


class StaffUser(Base):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_MAX), unique=True)  # canonical_username
    display_name: Mapped[str] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(254))  # for escalations and notices
    password_hash: Mapped[str] = mapped_column(String(200))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Someone else chose the password (``create-staff``, the admin page, an admin's reset):
    # the next sign-in replaces it before anything else.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False,
                                                       server_default=false())
    # Bumped at logout and on role changes: every session issued before is void.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    # The second factor (auth.totp): the authenticator's secret, and the time step of
    # the last code accepted, so no code works twice.
    totp_secret: Mapped[str | None] = mapped_column(EncryptedText)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    department: Mapped[Department | None] = relationship()
    role_rows: Mapped[list[StaffRole]] = relationship(
        cascade="all, delete-orphan", back_populates="user", lazy="selectin"
    )

    # Flask-Login's user protocol.
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        return f"{self.id}.{self.session_epoch}"

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(r.role for r in self.role_rows)

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles & set(roles))

    def set_password(self, password: str) -> None:
        self.password_hash = _hasher.hash(password)

    def check_password(self, password: str) -> bool:
        try:
            return _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    @staticmethod
    def check_no_password(password: str) -> bool:
        """Spend the same time as a real check, for unknown usernames."""
        with contextlib.suppress(VerificationError, InvalidHashError):
            _hasher.verify(_DUMMY_HASH, password + "x")
        return False

    def __repr__(self) -> str:
        return f"<StaffUser {self.username}>"


class StaffRole(Base):
    __tablename__ = "staff_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))

    user: Mapped[StaffUser] = relationship(back_populates="role_rows")


class RecoveryCode(Base):
    """A one-time code that replaces an authenticator code; only its hash is kept."""

    __tablename__ = "staff_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"),
                                         index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class SecurityEvent(Base):
    """Append-only log of staff actions outside the case workflow (docs/security.md A28).

    Holds who, what, on which object, when, from where; never personal data values.
    """

    __tablename__ = "security_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    username: Mapped[str | None] = mapped_column(String(64))
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column(Integer)
    ip_address: Mapped[str | None] = mapped_column(String(45))
    request_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
