"""热点: the words a period's letters share most, weighted by jieba's TF-IDF.

Only a letter's title and text are read, never its contact data or place. A topic is a
dictionary word of the kinds that name things (nouns, places, verbal nouns, idioms), so
person names, numbers and addresses typed into a letter never become topics; the words
of a synonym group count as one topic, named by the group's first word.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jieba
import jieba.analyse
import jieba.posseg
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.cases.models import Case
from portal.chinese import civic_words, letter_words, load_dictionary, synonym_groups
from portal.urls import external_url
from portal.wall.models import Publication

from .scope import Scope

# Parts of speech (jieba's dictionary tags) that name a matter; "nr" (person names) is
# left out on purpose.
TOPIC_TAGS = frozenset({"n", "ns", "nt", "nz", "nw", "vn", "an", "l", "i", "j"})
BOILERPLATE_FILE = Path(__file__).with_name("boilerplate.txt")
_HAN_ONLY = re.compile(r"[\u4e00-\u9fff]{2,}")


@dataclass(frozen=True)
class Example:
    title: str  # the published (redacted) title
    url: str


@dataclass(frozen=True)
class HotTopic:
    term: str  # the topic's name: the word, or its synonym group's first word
    variants: tuple[str, ...]  # the words the letters used for it, sorted
    cases: int  # letters that mention it
    score: float
    examples: tuple[Example, ...] = ()


@lru_cache(maxsize=1)
def boilerplate() -> frozenset[str]:
    lines = BOILERPLATE_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(w for line in lines if not line.startswith("#") for w in line.split())


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[dict[str, str], dict[str, float], float]:
    """jieba's part-of-speech tags and inverse document frequencies, and the median IDF
    for words the table lacks (the city's own)."""
    load_dictionary()
    tfidf = jieba.analyse.default_tfidf
    return jieba.posseg.dt.word_tag_tab, tfidf.idf_freq, tfidf.median_idf


@lru_cache(maxsize=100_000)
def topic_of(word: str) -> str | None:
    """The topic ``word`` counts for, or None when it names no matter."""
    tags, _, _ = _vocabulary()
    if word in boilerplate() or not _HAN_ONLY.fullmatch(word):
        return None
    group = synonym_groups().get(word)
    if group:
        return group[0]
    if word in civic_words() or tags.get(word) in TOPIC_TAGS:
        return word
    return None


def letter_topics(words: str) -> set[tuple[str, str]]:
    """The ``(topic, word)`` pairs of one letter's words (``chinese.letter_words``)."""
    return {(topic, word) for word in words.split() if (topic := topic_of(word)) is not None}


def rank_topics(letters: Iterable[tuple[int, str]], *, limit: int = 20, min_cases: int = 2
                ) -> list[tuple[HotTopic, list[int]]]:
    """The ``limit`` topics of ``(case id, letter words)`` pairs with their cases' ids in
    order.

    Each topic scores its count of letters times its IDF (TF-IDF over the period, a letter
    counting once), ties broken by the term; topics of fewer than ``min_cases`` go.
    """
    _, idf, median = _vocabulary()
    mentions: dict[str, list[int]] = defaultdict(list)
    variants: dict[str, set[str]] = defaultdict(set)
    for case_id, text in letters:
        pairs = letter_topics(text)
        for topic, word in pairs:
            variants[topic].add(word)
        for topic in {topic for topic, _ in pairs}:
            mentions[topic].append(case_id)
    ranked = [(HotTopic(term, tuple(sorted(variants[term])), len(cases),
                        round(len(cases) * idf.get(term, median), 6)), cases)
              for term, cases in mentions.items() if len(cases) >= min_cases]
    ranked.sort(key=lambda pair: (-pair[0].score, pair[0].term))
    return ranked[:limit]


def _examples(session: Session, scope: Scope, wanted: set[int]) -> dict[int, Example]:
    """The public wall items of the period's cases among ``wanted``, by case id."""
    if not wanted:
        return {}
    rows = session.execute(
        select(Publication.case_id, Publication.id, Publication.title)
        .join(Case, Case.id == Publication.case_id)
        .where(Publication.is_public, *scope.case_filter()))
    return {case_id: Example(title, external_url("wall.detail", publication_id=pub_id))
            for case_id, pub_id, title in rows if case_id in wanted}


def _words(session: Session, scope: Scope) -> list[tuple[int, str]]:
    """Each letter's words, cutting (and keeping) those not cut yet: letters imported or
    written before migration 0013, or purged since."""
    rows = session.execute(select(Case.id, Case.topic_words).where(*scope.case_filter())
                           .order_by(Case.id)).all()
    missing = [i for i, words in rows if words is None]
    cut: dict[int, str] = {}
    for lo in range(0, len(missing), 1000):
        chunk = session.execute(select(Case.id, Case.title, Case.content)
                                .where(Case.id.in_(missing[lo:lo + 1000])))
        fresh = {i: letter_words(title, content) for i, title, content in chunk}
        session.execute(update(Case), [{"id": i, "topic_words": w} for i, w in fresh.items()])
        cut |= fresh
    return [(i, words if words is not None else cut[i]) for i, words in rows]


def hot_topics(session: Session, scope: Scope, *, limit: int = 20, min_cases: int = 2,
               examples: int = 3) -> list[HotTopic]:
    """The period's hot topics, each with up to ``examples`` published replies (the
    earliest letters first)."""
    ranked = rank_topics(_words(session, scope), limit=limit, min_cases=min_cases)
    published = _examples(session, scope, {i for _, ids in ranked for i in ids})
    return [HotTopic(topic.term, topic.variants, topic.cases, topic.score,
                     tuple([published[i] for i in ids if i in published][:examples]))
            for topic, ids in ranked]
