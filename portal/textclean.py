"""Clean what citizens type: invisible characters out, phone numbers to one form.

Zero-width and bidi-control characters (Unicode category Cf) hide text from
reviewers and defeat masking, so they are stripped everywhere except the
zero-width joiner inside emoji sequences. Phone numbers are NFKC-normalised so
full-width digits count as digits (docs/security.md A13).
"""

from __future__ import annotations

import re
import unicodedata

ZWJ = "\u200d"
_KEEP_CONTROL = {"\n", "\t"}


def _is_emoji(ch: str) -> bool:
    return unicodedata.category(ch) == "So" or 0x1F000 <= ord(ch) <= 0x1FAFF


def clean_text(value: str | None, *, multiline: bool = False) -> str:
    """Strip format and control characters and surrounding space; keep newlines if asked."""
    if not value:
        return ""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    out: list[str] = []
    for i, ch in enumerate(value):
        cat = unicodedata.category(ch)
        if cat == "Cf":
            if ch == ZWJ and 0 < i < len(value) - 1 and _is_emoji(value[i - 1]) and _is_emoji(
                value[i + 1]
            ):
                out.append(ch)
            continue
        if cat == "Cc" and not (multiline and ch in _KEEP_CONTROL):
            if ch in _KEEP_CONTROL:
                out.append(" ")
            continue
        if cat in {"Cs", "Co", "Cn"}:  # lone surrogates, private use, unassigned
            continue
        out.append(ch)
    text = "".join(out)
    if multiline:
        text = re.sub(r"[ \t]+\n", "\n", text)
        text = re.sub(r"\n{4,}", "\n\n\n", text)
    else:
        text = re.sub(r"\s+", " ", text)
    return text.strip()


_MOBILE = re.compile(r"1[3-9]\d{9}")
# Area codes are 010 and 02X (then 8 digits) or four digits 0XXX (then 7 or 8 digits).
_LANDLINE = re.compile(r"(010|02\d)(\d{8})|(0[3-9]\d{2})(\d{7,8})")


def normalise_phone(value: str | None) -> str | None:
    """Return a mobile as 11 digits or a landline as ``0AREA-NUMBER``; None if invalid."""
    if not value:
        return None
    text = unicodedata.normalize("NFKC", clean_text(value))
    digits = re.sub(r"[\s\-()（）.]", "", text)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if not digits.isdigit() or not digits.isascii():
        return None
    if _MOBILE.fullmatch(digits):
        return digits
    match = _LANDLINE.fullmatch(digits)
    if match:
        area, number = (g for g in match.groups() if g)
        return f"{area}-{number}"
    return None
