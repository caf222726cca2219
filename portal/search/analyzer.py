"""Chinese text analysis: jieba in search mode, with the city's own words."""

from __future__ import annotations

from functools import lru_cache

from jieba.analyse import ChineseAnalyzer

from portal.chinese import load_dictionary, synonym_groups

__all__ = ["analyzer", "synonym_groups", "terms"]



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
