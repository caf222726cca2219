"""jieba, set up once: quiet, and taught the city's roads, places and departments."""

from __future__ import annotations

import logging
import re
import threading
from functools import lru_cache
from pathlib import Path

import jieba

HERE = Path(__file__).resolve().parent
CITY_DICTIONARY = HERE / "civic_dict.txt"
SYNONYMS = HERE / "synonyms.txt"
_lock = threading.Lock()
_loaded = False
_HAN_WORD = re.compile(r"[\u4e00-\u9fff]{2,}")
LETTER_WORDS_CHARS = 2000  # of a letter: longer ones are mostly attachments pasted in

jieba.setLogLevel(logging.WARNING)


def load_dictionary() -> None:
    """Load the city's words (人民路 stays one word, not 人民 + 路) once per process."""
    global _loaded
    with _lock:
        if not _loaded:
            jieba.load_userdict(str(CITY_DICTIONARY))
            _loaded = True


@lru_cache(maxsize=1)
def synonym_groups() -> dict[str, tuple[str, ...]]:
    """Each word of ``synonyms.txt`` mapped to its whole group (燃气 → 燃气 煤气 天然气)."""
    groups: dict[str, tuple[str, ...]] = {}
    for line in SYNONYMS.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        words = tuple(line.split())
        for word in words:
            groups[word] = words
    return groups


@lru_cache(maxsize=1)
def civic_words() -> frozenset[str]:
    """Words of the city's dictionary and synonym list: never a person's name."""
    dictionary = {line.split()[0] for line in
                  CITY_DICTIONARY.read_text(encoding="utf-8").splitlines() if line.strip()}
    return frozenset(dictionary | set(synonym_groups()))


def letter_words(title: str, text: str) -> str:
    """The distinct Chinese words (two characters or more) of a letter, space-separated,
    for the reports' hot topics: cut once when the letter arrives, not at every report.

    Without the HMM jieba guesses no new words, so an unknown name stays single
    characters and is not kept.
    """
    load_dictionary()
    words = jieba.cut(f"{title}\n{text[:LETTER_WORDS_CHARS]}", HMM=False)
    return " ".join(dict.fromkeys(w for w in words if _HAN_WORD.fullmatch(w)))
