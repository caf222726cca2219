r"""The one spelling of a staff username, whatever was typed.

Sign-in, the per-account throttle and lockout, the security log and account creation
all use ``canonical_username``, so ``alice``, ``ALICE``, ``ａｌｉｃｅ`` (full width) and
``al\u200bice`` (a zero-width space inside) are one account, counted once.
"""

from __future__ import annotations

import unicodedata


def canonical_username(raw: str | None) -> str:
    """``raw`` without invisible characters (format, control), width and case folded
    (NFKC, casefold), spaces collapsed and trimmed."""
    visible = "".join(ch for ch in raw or ""
                      if ch.isspace() or not unicodedata.category(ch).startswith("C"))
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", visible).casefold())
    return " ".join(folded.split())
