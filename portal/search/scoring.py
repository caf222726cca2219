"""Which code scores a search: the numpy arrays, or Whoosh's own searcher.

``arrays`` reads Whoosh 2.7.4's private block format; an upgraded Whoosh, or a segment
written by another codec, would make it read garbage. ``make_scorer`` is the one place
that decides: it builds the array searcher when ``check_readable`` accepts the index,
and otherwise (or when ``SEARCH_SCORING`` says "whoosh") a ``WhooshScorer``, which
answers the same ids, order and totals, only more slowly (docs/performance.md).
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

import numpy as np
from whoosh.query import And, Every, Query, Term
from whoosh.searching import Searcher
from whoosh.sorting import FieldFacet

from .arrays import ArrayCache, ArraySearcher, UnreadableIndex

log = logging.getLogger(__name__)

SCORINGS = ("arrays", "whoosh")  # the values of SEARCH_SCORING
_warned: set[str] = set()


class Scorer(Protocol):
    """What ``query`` asks of one searcher's scoring."""

    searcher: Searcher

    def mask(self, terms: dict[str, str]) -> np.ndarray:
        """The live documents holding every ``field: term`` of ``terms``."""
        ...

    def top(self, query: Query, limit: int, allowed: np.ndarray | None = None,
            newest_first: bool = False) -> tuple[list[int], int]:
        """The best ``limit`` document numbers (ties to the lower number) and the count
        of all matches, within ``allowed`` when given."""
        ...

    def stored(self, docnum: int) -> dict[str, Any]:
        ...


class WhooshScorer:
    """``Scorer`` over Whoosh's own ``Searcher.search``: a Python call per posting."""

    def __init__(self, searcher: Searcher, sort_field: str) -> None:
        self.searcher, self.sort_field = searcher, sort_field

    def mask(self, terms: dict[str, str]) -> np.ndarray:
        query = And([Term(field, text) for field, text in terms.items()]) if terms else Every()
        wanted = np.zeros(self.searcher.doc_count_all(), bool)
        wanted[list(self.searcher.docs_for_query(query))] = True
        return wanted

    def top(self, query: Query, limit: int, allowed: np.ndarray | None = None,
            newest_first: bool = False) -> tuple[list[int], int]:
        if allowed is not None and not allowed.any():
            return [], 0  # Whoosh reads an empty filter set as no filter at all
        # Every match, then the top: with a limit, Whoosh's collector drops the parts of a
        # query that can no longer reach the top (Matcher.replace) and its count falls short.
        results = self.searcher.search(
            query, limit=None,
            filter=None if allowed is None else set(np.flatnonzero(allowed).tolist()),
            # reversed as a facet, not as a whole: equal dates stay in document order
            sortedby=FieldFacet(self.sort_field, reverse=True) if newest_first else None)
        return [hit.docnum for hit in results[:limit]], len(results)

    def stored(self, docnum: int) -> dict[str, Any]:
        return dict(self.searcher.stored_fields(docnum))


def _warn_once(reason: str) -> None:
    if reason not in _warned:  # once per process, not at every refresh of the searcher
        _warned.add(reason)
        log.warning("search scores with Whoosh's own searcher (slower): %s", reason)


def make_scorer(searcher: Searcher, cache: ArrayCache, scored_field: str, sort_field: str,
                scoring: str) -> Scorer:
    """The scorer of ``searcher``: arrays unless ``scoring`` is "whoosh" or the arrays
    cannot read this index."""
    if scoring == "arrays":
        try:
            return ArraySearcher(searcher, cache, scored_field, sort_field)
        except UnreadableIndex as exc:
            _warn_once(str(exc))
    return WhooshScorer(searcher, sort_field)
