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
def _fernet(keys: str) -> MultiFernet:
    return MultiFernet([Fernet(k.strip().encode()) for k in keys.split(",") if k.strip()])


def cipher() -> MultiFernet:
    return _fernet(current_app.config["PII_KEY"])


class EncryptedText(TypeDecorator[str]):
    """A text column stored as a Fernet token; plain text only in memory."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        return cipher().encrypt(value.encode()).decode()

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        return cipher().decrypt(value.encode()).decode()
