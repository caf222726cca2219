"""Password policy for staff (SECURITY.md A1): length and a local common-password list."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

MIN_LENGTH = 12
_COMMON = Path(__file__).with_name("common_passwords.txt")


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    return frozenset(
        line.strip().lower() for line in _COMMON.read_text().splitlines() if line.strip()
    )


def password_problem(password: str, username: str = "") -> str | None:
    """Why ``password`` is not acceptable, in Chinese; None if it is."""
    if len(password) < MIN_LENGTH:
        return f"密码至少需要 {MIN_LENGTH} 个字符"
    lowered = password.lower()
    if lowered in _common_passwords():
        return "这个密码太常见，容易被猜中，请换一个"
    if username and username.lower() in lowered:
        return "密码不能包含用户名"
    if password.isdigit():
        return "密码不能全是数字"
    if len(set(password)) < 5:
        return "密码重复字符太多，请换一个"
    return None
