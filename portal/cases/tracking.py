"""Tracking codes and signed tracking links.

A code reads like ``MB-2026-7KQ4-XP9D-M2TW-A3F8``: channel, year, and 16 symbols of
Crockford's base32 (80 random bits; no I, L, O or U, so it reads out safely on the
phone). Input is forgiving: case, spaces, full-width characters, O for 0, I/L for 1.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from portal.urls import external_url

from .workflow import Channel, Satisfaction

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RANDOM_SYMBOLS = 16
PREFIX = {
    Channel.MAILBOX: "MB",
    Channel.SUGGESTION: "SG",
    Channel.HOTLINE: "HL",
    Channel.COMMUNITY: "CM",
    Channel.MEETING: "MT",
    Channel.OPEN311: "OS",
}
_CODE = re.compile(rf"([A-Z]{{2}})(\d{{4}})([0-9A-Z]{{{RANDOM_SYMBOLS}}})")
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_tracking_code(channel: Channel, year: int) -> str:
    symbols = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_SYMBOLS))
    groups = "-".join(symbols[i : i + 4] for i in range(0, RANDOM_SYMBOLS, 4))
    return f"{PREFIX[channel]}-{year}-{groups}"


def normalise_tracking_code(value: str) -> str | None:
    """Return the canonical form of a typed code, or None if it cannot be one."""
    text = unicodedata.normalize("NFKC", value or "").upper()
    text = re.sub(r"[\s\-_—–]", "", text)
    if len(text) != 6 + RANDOM_SYMBOLS:
        return None
    prefix, year, symbols = text[:2], text[2:6].translate(_CONFUSABLE), text[6:].translate(
        _CONFUSABLE)
    match = _CODE.fullmatch(prefix + year + symbols)
    if not match or prefix not in PREFIX.values() or any(c not in ALPHABET for c in symbols):
        return None
    groups = "-".join(symbols[i : i + 4] for i in range(0, RANDOM_SYMBOLS, 4))
    return f"{prefix}-{year}-{groups}"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="portal.track")


def tracking_link_token(tracking_code: str) -> str:
    """A signed token that opens the tracking page without the phone digits."""
    return _serializer().dumps(tracking_code)


def tracking_link_url(tracking_code: str) -> str:
    """The link for mail: from ``SITE_URL``, valid for ``TRACKING_LINK_MAX_AGE``."""
    return external_url("cases.track_link", token=tracking_link_token(tracking_code))


class TrackingLinkExpired(Exception):
    """A link the portal signed, older than ``TRACKING_LINK_MAX_AGE``: the citizen is told
    so, with the code it names, rather than that it is invalid."""

    def __init__(self, tracking_code: str | None) -> None:
        super().__init__("tracking link expired")
        self.tracking_code = tracking_code


def read_tracking_link_token(token: str) -> str | None:
    """The tracking code of a valid link, None for a forged or damaged one; raises
    ``TrackingLinkExpired`` for a genuine one that is too old."""
    serializer = _serializer()
    try:
        code = serializer.loads(token, max_age=current_app.config["TRACKING_LINK_MAX_AGE"])
    except SignatureExpired as expired:
        old = serializer.load_payload(expired.payload) if expired.payload else None
        raise TrackingLinkExpired(old if isinstance(old, str) else None) from None
    except BadSignature:
        return None
    return code if isinstance(code, str) else None


def follow_up_serializer() -> URLSafeTimedSerializer:
    """Signs the satisfaction links: ``[case id, one-use nonce, answer]``."""
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="portal.follow-up")


@dataclass(frozen=True)
class FollowUpLink:
    """What a signed satisfaction link says: which case, its nonce, and the answer it
    gives (None in the single survey link of mails sent before each answer had its own)."""

    case_id: int
    nonce: str
    satisfaction: Satisfaction | None


class FollowUpLinkExpired(Exception):
    """A genuine satisfaction link older than ``FOLLOW_UP_LINK_MAX_AGE``."""


def read_follow_up_token(token: str) -> FollowUpLink | None:
    """The link a token signs, None for a forged or damaged one; raises
    ``FollowUpLinkExpired`` for a genuine one that is too old."""
    try:
        value = follow_up_serializer().loads(
            token, max_age=current_app.config["FOLLOW_UP_LINK_MAX_AGE"])
    except SignatureExpired:
        raise FollowUpLinkExpired from None
    except BadSignature:
        return None
    if not (isinstance(value, list) and len(value) in (2, 3) and isinstance(value[0], int)
            and all(isinstance(v, str) for v in value[1:])):
        return None
    answers = {s.value: s for s in Satisfaction}
    if len(value) == 3 and value[2] not in answers:
        return None
    return FollowUpLink(value[0], value[1], answers[value[2]] if len(value) == 3 else None)
