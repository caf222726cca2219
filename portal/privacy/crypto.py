"""Encryption of citizens' personal data at rest (docs/security.md A25).

``PII_KEY`` holds one or more Fernet keys separated by commas; the first encrypts,
all decrypt, so keys can be rotated without downtime.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, MultiFernet
from flask import current_app
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator


@lru_cache(maxsize=8)
def fernet_for(keys: str) -> MultiFernet:
    """The cipher of a ``PII_KEY`` value (migrations pass the key they found)."""
    return MultiFernet([Fernet(k.strip().encode()) for k in keys.split(",") if k.strip()])


def cipher() -> MultiFernet:
    return fernet_for(current_app.config["PII_KEY"])


def _encrypt(text: str) -> str:
    return cipher().encrypt(text.encode()).decode()


def _decrypt(token: str) -> str:
    return cipher().decrypt(token.encode()).decode()


class EncryptedText(TypeDecorator[str]):
    """A text column stored as a Fernet token; plain text only in memory."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else _encrypt(value)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else _decrypt(value)


class EncryptedFloat(TypeDecorator[float]):
    """A number stored as a Fernet token of its shortest exact decimal form (``repr``):
    coordinates pinpoint a home as well as its address does."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: float | None, dialect: Any) -> str | None:
        return None if value is None else _encrypt(repr(float(value)))

    def process_result_value(self, value: str | None, dialect: Any) -> float | None:
        return None if value is None else float(_decrypt(value))
