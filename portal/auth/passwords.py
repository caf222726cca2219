"""Password policy for staff: length, leaked and common passwords, and names.

``leaked_passwords.txt.gz`` is the list of 20,000 common leaked passwords that Django
ships as ``django/contrib/auth/common-passwords.txt.gz`` (compiled by Royce Williams;
BSD licence in ``leaked_passwords.LICENSE``), kept as it is; ``common_passwords.txt``
adds long ones often seen in China. Passwords are compared folded like usernames
(``canonical_username``): case, width and invisible characters make no difference.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from flask import current_app

from .names import canonical_username

MIN_LENGTH = 12
LEAKED_PASSWORDS = Path(__file__).with_name("leaked_passwords.txt.gz")
_COMMON = Path(__file__).with_name("common_passwords.txt")


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    with gzip.open(LEAKED_PASSWORDS, "rt", encoding="utf-8") as leaked:
        lines = [*leaked, *_COMMON.read_text(encoding="utf-8").splitlines()]
    return frozenset(filter(None, map(canonical_username, lines)))


def _run(text: str, decoration: Callable[[str], bool]) -> int:
    """How many characters at the start of ``text`` are decoration."""
    return next((i for i, ch in enumerate(text) if not decoration(ch)), len(text))


def _is_common(folded: str) -> bool:
    """Whether ``folded`` is a common password, alone or with decoration around it:
    digits and symbols around letters, symbols around a password without letters."""
    has_letters = any(ch.isalpha() for ch in folded)

    def decoration(ch: str) -> bool:
        return not ch.isalpha() if has_letters else not ch.isalnum()

    head, tail, end = _run(folded, decoration), _run(folded[::-1], decoration), len(folded)
    common = _common_passwords()
    return any(folded[i:end - j] in common
               for i in range(head + 1) for j in range(tail + 1) if i < end - j)


def _name_words(*names: str) -> list[str]:
    """The words of ``names`` and of the portal's own names, folded, longest first."""
    config = current_app.config
    words = {word
             for name in (*names, config["SITE_NAME"], config["CITY_NAME"],
                          *config["PASSWORD_SITE_WORDS"])
             for word in re.split(r"[\W_]+", canonical_username(name)) if word}
    return sorted(words, key=len, reverse=True)


def _only_names(folded: str, words: list[str]) -> bool:
    """Whether ``folded`` is nothing but some of ``words`` with digits and symbols."""
    rest = folded
    for word in words:
        rest = rest.replace(word, "")
    return rest != folded and not any(ch.isalpha() for ch in rest)


def password_problem(password: str, username: str, display_name: str = "") -> str | None:
    """Why ``password`` is not acceptable for the account ``username``, in Chinese;
    None if it is. Used wherever a password is chosen (needs the app's configuration)."""
    if len(password) < MIN_LENGTH:
        return f"密码至少需要 {MIN_LENGTH} 个字符"
    folded = canonical_username(password)
    if _only_names(folded, _name_words(username, display_name)):
        return "密码不能只是用户名、姓名或本平台的名称加上数字和符号"
    if _is_common(folded):
        return "这个密码太常见，容易被猜中，请换一个"
    if canonical_username(username) in folded:
        return "密码不能包含用户名"
    if folded.isdigit():
        return "密码不能全是数字"
    if len(set(folded)) < 5:
        return "密码重复字符太多，请换一个"
    return None
