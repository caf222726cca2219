"""Chinese text analysis: jieba in search mode, with the city's own words.

A document's title, reply and letter go into ONE index field, each part marked with
its weight: every token carries its part's weight as its boost, and Whoosh sums
boosts into the term's weight, which BM25F scores. That is BM25F's weighted term
frequency in a single field, so a query reads one posting list per word instead of
one per field (three times fewer; see docs/performance.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

import jieba
from jieba.analyse.analyzer import STOP_WORDS, accepted_chars
from whoosh.analysis import (
    Analyzer,
    LowercaseFilter,
    StemFilter,
    StopFilter,
    Token,
    Tokenizer,
)
from whoosh.lang.porter import stem

from portal.chinese import load_dictionary, synonym_groups

__all__ = ["analyzer", "synonym_groups", "terms", "weighted"]

PART = "\x1e"  # between the parts of one field value
WEIGHT = "\x1f"  # between a part's weight and its text
_MARKERS = re.compile(f"[{PART}{WEIGHT}]")


def weighted(parts: Iterable[tuple[str, float]]) -> str:
    """One field value made of ``(text, weight)`` parts, for ``WeightedTokenizer``."""
    return PART.join(f"{weight:g}{WEIGHT}{_MARKERS.sub(' ', text)}" for text, weight in parts)


def _parts(value: str) -> Iterator[tuple[str, float]]:
    for part in value.split(PART):
        weight, marked, text = part.partition(WEIGHT)
        try:
            yield (text, float(weight)) if marked else (part, 1.0)
        except ValueError:  # not our marker: plain text
            yield part, 1.0


class WeightedTokenizer(Tokenizer):
    """jieba's search-mode words, each boosted by the weight of the part it is in."""

    def __call__(self, value: str, positions: bool = False, chars: bool = False,
                 keeporiginal: bool = False, removestops: bool = True, start_pos: int = 0,
                 start_char: int = 0, mode: str = "", **kwargs: Any) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for text, boost in _parts(value):
            for word, start, end in jieba.tokenize(text, mode="search"):
                if len(word) <= 1 and not accepted_chars.match(word):
                    continue  # punctuation and spaces
                token.original = token.text = word
                token.boost = boost
                token.pos, token.startchar, token.endchar = start, start, end
                yield token


@lru_cache(maxsize=1)
def analyzer() -> Analyzer:
    """jieba's ``ChineseAnalyzer`` pipeline with the weighted tokenizer in front."""
    load_dictionary()
    return (WeightedTokenizer() | LowercaseFilter() | StopFilter(stoplist=STOP_WORDS, minsize=1)
            | StemFilter(stemfn=stem, ignore=None, cachesize=50000))


def terms(text: str) -> list[str]:
    """The index terms of ``text``, in order, without repeats."""
    seen: dict[str, None] = {}
    for token in analyzer()(text):
        seen.setdefault(token.text, None)
    return list(seen)
