"""Chinese text analysis: jieba in search mode, with the city's own words."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jieba.analyse import ChineseAnalyzer

from portal.chinese import load_dictionary

HERE = Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def analyzer() -> ChineseAnalyzer:
    load_dictionary()
    return ChineseAnalyzer()


def terms(text: str) -> list[str]:
    """The index terms of ``text``, in order, without repeats."""
    seen: dict[str, None] = {}
    for token in analyzer()(text):
        seen.setdefault(token.text, None)
    return list(seen)


@lru_cache(maxsize=1)
def synonym_groups() -> dict[str, tuple[str, ...]]:
    """Each word of ``synonyms.txt`` mapped to its whole group."""
    groups: dict[str, tuple[str, ...]] = {}
    for line in (HERE / "synonyms.txt").read_text(encoding="utf-8").splitlines():
        words = tuple(w for w in line.split() if not line.startswith("#"))
        for word in words:
            groups[word] = words
    return groups
