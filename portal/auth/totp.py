"""The second factor of staff sign-in: TOTP codes and one-time recovery codes (docs/security.md A3).

Roles in ``TOTP_REQUIRED_ROLES`` (administrators and moderators) must enrol before
their first session; anyone may. A code is accepted once: the time step it belongs to
is remembered, so a code seen over a shoulder or replayed from a log is refused.
Recovery codes are stored as SHA-256 hashes (they are long random strings, so a slow
hash adds nothing) and each works once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

import pyotp
import segno
from flask import current_app
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.cases.workflow import Role
from portal.db import utcnow

from .events import record_security_event
from .models import RecoveryCode, StaffUser

ISSUER = "市民建议征集平台"
DRIFT_STEPS = 1  # a code from the step before or after is still accepted (clock drift)
RECOVERY_CODES = 10


CONTACT_DATA_ROLES = frozenset({Role.OPERATOR, Role.HANDLER, Role.SUPERVISOR})


def required(user: StaffUser) -> bool:
    """Whether ``user`` may only sign in with a second factor: enrolled already, or in a
    role that needs it (``TOTP_REQUIRED_ROLES``; with ``TOTP_FOR_CONTACT_DATA``, every role
    that sees citizens' contact data)."""
    config = current_app.config
    return user.totp_secret is not None or any(
        role.value in config["TOTP_REQUIRED_ROLES"]
        or (config["TOTP_FOR_CONTACT_DATA"] and role in CONTACT_DATA_ROLES)
        for role in user.roles)


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: StaffUser, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def qr_code(uri: str) -> Markup:
    """The enrolment URI as an inline SVG QR code (no image request, no JavaScript)."""
    return Markup(segno.make(uri, error="m").svg_inline(scale=4, border=2))


def matching_step(secret: str, code: str, now: dt.datetime | None = None) -> int | None:
    """The time step whose code ``code`` is, within the allowed drift, or None."""
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    step = totp.timecode(now or utcnow())
    for candidate in range(step - DRIFT_STEPS, step + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None


def verify_code(user: StaffUser, code: str) -> bool:
    """Accept a current code of ``user``'s authenticator, once."""
    if user.totp_secret is None:
        return False
    step = matching_step(user.totp_secret, code)
    if step is None or step <= (user.totp_last_step or -1):
        return False
    user.totp_last_step = step
    return True


def _hash(code: str) -> str:
    return hashlib.sha256("".join(code.split()).lower().encode()).hexdigest()


def issue_recovery_codes(session: Session, user: StaffUser) -> list[str]:
    """Replace ``user``'s recovery codes with new ones; only their hashes are kept."""
    for old in session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)):
        session.delete(old)
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODES)]
    session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash(c)) for c in codes)
    return codes


def use_recovery_code(session: Session, user: StaffUser, code: str) -> bool:
    """Accept one of ``user``'s unused recovery codes, and spend it."""
    row = session.scalar(select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(code),
        RecoveryCode.used_at.is_(None)))
    if row is None:
        return False
    row.used_at = utcnow()
    return True


def enrol(session: Session, user: StaffUser, secret: str, code: str) -> list[str] | None:
    """Keep ``secret`` for ``user`` if ``code`` proves their authenticator holds it;
    return the new recovery codes, or None if the code was wrong."""
    step = matching_step(secret, code)
    if step is None:
        return None
    user.totp_secret, user.totp_last_step = secret, step
    return issue_recovery_codes(session, user)


def reset(session: Session, user: StaffUser, actor: StaffUser) -> None:
    """Forget ``user``'s authenticator and recovery codes (a lost phone); they enrol
    again at their next sign-in, and every session they have ends."""
    user.totp_secret, user.totp_last_step = None, None
    for old in session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)):
        session.delete(old)
    user.session_epoch += 1
    record_security_event("reset_second_factor", user=actor, object_type="staff_user",
                          object_id=user.id)
