"""The portal's queries scored over whole posting lists at once, with numpy.

Whoosh's matchers step through postings one Python call at a time: at 100,000
replies a common word (服务, 物业: in 60% of them) cost tens of milliseconds per
search (docs/performance.md). Here a term's postings are read from Whoosh's segment
files into arrays once and kept (a segment never changes; deletions are applied per
searcher), and the query shapes ``build_query`` makes (Term, And, Or, Every) are
scored with Whoosh's own BM25F formula and statistics, so the ranking is the one
``Searcher.search`` gives (tested). Whoosh still owns the index, its files and writers.

The posting blocks, field lengths and deletions are read through Whoosh 2.7.4's private
parts, so an ``ArraySearcher`` is only built over an index ``check_readable`` accepts
(``scoring.make_scorer`` falls back to Whoosh's own searcher otherwise).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import whoosh
from whoosh.codec import whoosh3
from whoosh.matching import Matcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.query import And, Every, Or, Query, Term
from whoosh.reading import IndexReader
from whoosh.scoring import BM25F
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

# The release whose private block format this module reads; pyproject.toml pins it.
WHOOSH_VERSION = (2, 7, 4)
# The private parts read below, checked by ``check_readable`` before any is used.
_CODEC_NAMES = ("W3Codec", "W3LeafMatcher", "LENGTHS_COLUMN", "_lenfield")
_PERDOC_METHODS = ("_cached_reader", "deleted_docs")
_MATCHER_PARTS = ("_read_data", "_next_block", "_data", "_byteids", "_lastblock")
# Whoosh keeps a document's field length as one byte; this table undoes it (0: no field).
_LENGTH_OF_BYTE = np.array([0.0] + [byte_to_length(b) for b in range(1, 256)])
_NO_POSTINGS = (np.zeros(0, np.int32), np.zeros(0, np.float32))


class ArrayCache:
    """Arrays read from segments, by (segment, what); the least recently used go first
    once they hold more than ``budget`` bytes. Shared by every searcher of one index."""

    def __init__(self, budget: int) -> None:
        self.budget, self.size = budget, 0
        self._items: OrderedDict[tuple[str, ...], tuple[np.ndarray, ...]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, ...], load: Callable[[], tuple[np.ndarray, ...]]
            ) -> tuple[np.ndarray, ...]:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
        value = load()  # outside the lock: two threads may both load; both get the same
        with self._lock:
            if key not in self._items:
                self._items[key] = value
                self.size += sum(a.nbytes for a in value)
            while self.size > self.budget and len(self._items) > 1:
                _, dropped = self._items.popitem(last=False)
                self.size -= sum(a.nbytes for a in dropped)
        return value


class UnreadableIndex(Exception):
    """The installed Whoosh, or a segment of the index, is not the format read here."""


def _segment_id(reader: IndexReader) -> str:
    return str(reader.segment().segment_id())


def _leaves(searcher: Searcher) -> list[tuple[IndexReader, int]]:
    """The searcher's segment readers and their first global document numbers."""
    return [(reader, offset) for reader, offset in searcher.reader().leaf_readers()
            if reader.segment() is not None]  # an empty index has a bare reader


def _block_matcher(reader: IndexReader, field: str, text: str | bytes) -> Matcher:
    """A term's matcher over the segment's posting blocks, deleted documents included
    (the deletions are applied per searcher)."""
    matcher = reader.postings(field, text)
    return matcher.child if isinstance(matcher, FilterMatcher) else matcher


def _require(thing: object, names: tuple[str, ...], what: str) -> None:
    missing = [name for name in names if not hasattr(thing, name)]
    if missing:
        raise UnreadableIndex(f"{what} has no {', '.join(missing)}")


def check_readable(searcher: Searcher, field: str) -> None:
    """Raise ``UnreadableIndex`` unless this module can read ``searcher``'s index: the
    pinned Whoosh, BM25F with its per-field B, segments of the W3 codec, and the private
    attributes of their per-document reader and block matcher."""
    if whoosh.__version__ != WHOOSH_VERSION:
        pinned = ".".join(map(str, WHOOSH_VERSION))
        raise UnreadableIndex(f"Whoosh {whoosh.versionstring()} is installed, "
                              f"array scoring reads the format of {pinned}")
    _require(whoosh3, _CODEC_NAMES, "whoosh.codec.whoosh3")
    weighting = searcher.weighting
    if not isinstance(weighting, BM25F):
        raise UnreadableIndex(f"the searcher scores with {type(weighting).__name__}, "
                              "array scoring reproduces BM25F only")
    _require(weighting, ("_field_B",), "BM25F")
    leaves = _leaves(searcher)
    for reader, _ in leaves:
        codec = reader.codec()
        if type(codec) is not whoosh3.W3Codec:  # a subclass may write another format
            raise UnreadableIndex(f"a segment is written by {type(codec).__name__}, "
                                  "array scoring reads W3Codec segments")
        _require(getattr(reader, "_perdoc", None), _PERDOC_METHODS,
                 "a segment's per-document reader")
    # One matcher stands for all: every segment has the same codec, checked above.
    for reader, _ in leaves:
        text = next(iter(reader.lexicon(field)), None)
        if text is not None:
            matcher = _block_matcher(reader, field, text)
            if not isinstance(matcher, whoosh3.W3LeafMatcher):
                raise UnreadableIndex(f"postings are read by {type(matcher).__name__}, "
                                      "array scoring reads W3LeafMatcher blocks")
            _require(matcher, _MATCHER_PARTS, "W3LeafMatcher")
            return


def _read_postings(reader: IndexReader, field: str, text: str) -> tuple[np.ndarray, ...]:
    """A term's document numbers and weights in one segment, deleted documents included."""
    if (field, text) not in reader:
        return _NO_POSTINGS
    matcher = _block_matcher(reader, field, text)
    id_blocks, weight_blocks = [], []
    while True:  # block by block: Whoosh's own reader decodes them a posting at a time
        matcher._read_data()  # noqa: SLF001 - the block format of Whoosh 2.7.4 (pinned)
        raw_ids, raw_weights = matcher._data[0], matcher._data[1]  # noqa: SLF001
        ids = np.array(raw_ids, np.int32)
        id_blocks.append(ids if matcher._byteids else np.cumsum(ids, dtype=np.int32))  # noqa: SLF001
        if raw_weights is None or isinstance(raw_weights, float):
            weight_blocks.append(np.full(len(ids), raw_weights or 1.0, np.float32))
        else:
            weight_blocks.append(np.array(raw_weights, np.float32))
        if matcher._lastblock:  # noqa: SLF001
            break
        matcher._next_block()  # noqa: SLF001
    return np.concatenate(id_blocks), np.concatenate(weight_blocks)


def _read_lengths(reader: IndexReader, field: str) -> tuple[np.ndarray]:
    column = reader._perdoc._cached_reader(  # noqa: SLF001
        whoosh3._lenfield(field), whoosh3.LENGTHS_COLUMN)  # noqa: SLF001
    codes = np.zeros(reader.doc_count_all(), np.int64)
    if column is not None:
        stored = np.fromiter(column, np.int64)
        codes[:len(stored)] = stored
    return (_LENGTH_OF_BYTE[codes].astype(np.float32),)


def _read_column(reader: IndexReader, field: str) -> tuple[np.ndarray]:
    values = np.zeros(reader.doc_count_all(), np.int64)
    if reader.has_column(field):
        stored = np.fromiter(reader.column_reader(field), np.int64)
        values[:len(stored)] = stored
    return (values,)


class ArraySearcher:
    """One Whoosh searcher's documents as arrays: which are live, their lengths and dates.

    Raises ``UnreadableIndex`` over an index ``check_readable`` refuses.
    """

    def __init__(self, searcher: Searcher, cache: ArrayCache, scored_field: str,
                 sort_field: str) -> None:
        check_readable(searcher, scored_field)
        weighting = searcher.weighting
        self.searcher, self.cache = searcher, cache
        self.scored_field, self.sort_field = scored_field, sort_field
        self.k1 = weighting.K1
        self.b = weighting._field_B.get(scored_field, weighting.B)  # noqa: SLF001
        self.avg_length = searcher.avg_field_length(scored_field) or 1
        self.leaves = _leaves(searcher)
        self.count = searcher.doc_count_all()
        self.live = np.ones(self.count, bool)
        for reader, offset in self.leaves:
            if reader.has_deletions():
                deleted = np.fromiter(reader._perdoc.deleted_docs(), np.int64)  # noqa: SLF001
                self.live[offset + deleted] = False
        self._lengths: np.ndarray | None = None
        self._dates: np.ndarray | None = None

    def _joined(self, read: Callable[[IndexReader, str], tuple[np.ndarray]], field: str,
                what: str) -> np.ndarray:
        parts = [self.cache.get((_segment_id(r), what, field), partial(read, r, field))[0]
                 for r, _ in self.leaves]
        return np.concatenate(parts) if parts else np.zeros(0)

    def lengths(self) -> np.ndarray:
        if self._lengths is None:
            self._lengths = self._joined(_read_lengths, self.scored_field, "lengths")
        return self._lengths

    def dates(self) -> np.ndarray:
        if self._dates is None:
            self._dates = self._joined(_read_column, self.sort_field, "column")
        return self._dates

    def postings(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Global document numbers and weights of a term, across segments."""
        ids, weights = [], []
        for reader, offset in self.leaves:
            seg_ids, seg_weights = self.cache.get(
                (_segment_id(reader), "postings", field, text),
                partial(_read_postings, reader, field, text))
            ids.append(seg_ids + offset)
            weights.append(seg_weights)
        if not ids:
            return _NO_POSTINGS
        return np.concatenate(ids), np.concatenate(weights)

    def term_scores(self, text: str) -> np.ndarray:
        """BM25F of one term for every document (0 where it does not occur)."""
        ids, stored_weights = self.postings(self.scored_field, text)
        scores = np.zeros(self.count)
        if len(ids):  # in double precision, as Whoosh computes
            weights = stored_weights.astype(np.float64)
            lengths = self.lengths()[ids].astype(np.float64)
            idf = self.searcher.idf(self.scored_field, text)
            norm = self.k1 * ((1 - self.b) + self.b * lengths / self.avg_length)
            scores[ids] = idf * (weights * (self.k1 + 1)) / (weights + norm)
        return scores

    def scores(self, query: Query) -> np.ndarray:
        """Every document's score for ``query``, 0 where it does not match."""
        if isinstance(query, Term) and query.fieldname == self.scored_field:
            return self.term_scores(query.text)
        if isinstance(query, Or):
            total = np.zeros(self.count)
            for sub in query.subqueries:
                total += self.scores(sub)
            return total
        if isinstance(query, And):
            subs = [self.scores(sub) for sub in query.subqueries]
            total = np.sum(subs, axis=0) if subs else np.zeros(self.count)
            for sub in subs:
                total[sub <= 0] = 0
            return total
        if isinstance(query, Every):
            return self.live.astype(float)
        raise TypeError(f"no array scoring for {query!r}")

    def mask(self, terms: dict[str, str]) -> np.ndarray:
        """The documents holding every ``field: term`` of ``terms``."""
        wanted = self.live.copy()
        for field, text in terms.items():
            has = np.zeros(self.count, bool)
            has[self.postings(field, text)[0]] = True
            wanted &= has
        return wanted

    def top(self, query: Query, limit: int, allowed: np.ndarray | None = None,
            newest_first: bool = False) -> tuple[list[int], int]:
        """Document numbers of the best ``limit`` matches, and how many match in all.

        Best is highest score (or newest); ties go to the lower document number, as in
        Whoosh's collector.
        """
        scores = self.scores(query)
        matched = (scores > 0) & self.live
        if allowed is not None:
            matched &= allowed
        found = np.flatnonzero(matched)
        keys = self.dates()[found] if newest_first else scores[found]
        if len(found) > limit > 0:
            cut = np.partition(keys, len(keys) - limit)[len(keys) - limit]
            found, keys = found[keys >= cut], keys[keys >= cut]
        order = np.lexsort((found, -keys))
        return [int(d) for d in found[order][:limit]], int(matched.sum())

    def stored(self, docnum: int) -> dict[str, Any]:
        return dict(self.searcher.stored_fields(docnum))
