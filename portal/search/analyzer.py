"""Chinese text analysis: jieba in search mode, with the city's own words."""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

import jieba
from jieba.analyse import ChineseAnalyzer

HERE = Path(__file__).resolve().parent
_lock = threading.Lock()
_loaded = False


def load_dictionary() -> None:
    """Teach jieba the city's roads, places and departments (人民路 stays one word)."""
    global _loaded
    with _lock:
        if not _loaded:
            jieba.setLogLevel(60)
            jieba.load_userdict(str(HERE / "civic_dict.txt"))
            _loaded = True


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
