"""Both scorers (``SEARCH_SCORING``) answer as Whoosh's own exhaustive search does: the
same documents, in the same order, with the same totals, over several segments with
deletions and updates, over posting lists of one block and of several, with filters,
newest-first and pages. The array scorer's scores are Whoosh's too, whatever its cache
holds."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.query import And, Every, Or, Prefix, Query, Term
from whoosh.searching import Searcher

from portal.search.arrays import ArrayCache, ArraySearcher
from portal.search.index import make_schema, open_index
from portal.search.query import build_query
from portal.search.scoring import SCORINGS, Scorer, make_scorer
from tests.helpers.corpus import Corpus, filter_fields

BLOCK = 128  # postings per block: Whoosh's W3Codec(blocklimit=128), the default
QUERIES: list[Query] = [q for q in (build_query(t) for t in (
    "燃气", "路灯", "噪音", "人民路 路灯", "小区 燃气 管道", "停车", "公交线路", "市城市管理局",
    "煤气", "物业 服务", "暖气 退费", "不存在的词")) if q is not None]
FILTERS = [{}, {"department": "市城市管理局"}, {"year": "2022"},
           {"department": "市交通运输局", "year": "2021"}]
NOWHERE = {"department": "不存在的部门"}


def scorer_over(path: Path, scoring: str) -> Scorer:
    made = make_scorer(open_index(path).searcher(), ArrayCache(2**24), "text", "replied", scoring)
    assert isinstance(made, ArraySearcher) == (scoring == "arrays")  # no silent fallback
    return made


@pytest.fixture(params=["small", "large"])
def corpus(request: pytest.FixtureRequest) -> Corpus:
    return request.getfixturevalue(f"{request.param}_corpus")


@pytest.fixture(params=SCORINGS)
def scorer(corpus: Corpus, request: pytest.FixtureRequest) -> Scorer:
    return scorer_over(corpus.path, request.param)


@pytest.fixture
def arrays(corpus: Corpus) -> ArraySearcher:
    return ArraySearcher(open_index(corpus.path).searcher(), ArrayCache(2**24), "text", "replied")


def whoosh_top(searcher: Searcher, query: Query, filters: dict[str, str]
               ) -> list[tuple[int, float]]:
    """Every match, best first, and its score, by Whoosh's own exhaustive search."""
    results = searcher.search(
        query, limit=None, optimize=False,  # block-quality skipping can drop a better hit
        filter=And([Term(k, v) for k, v in filters.items()]) if filters else None)
    return [(hit.docnum, hit.score) for hit in results]


def allowed(scorer: Scorer, filters: dict[str, str]) -> np.ndarray | None:
    return scorer.mask(filters) if filters else None


def test_the_indexes_under_test_have_segments_deletions_and_updates(corpus: Corpus,
                                                                    arrays: ArraySearcher) -> None:
    assert len(arrays.leaves) == len(corpus.segments) + 1  # the last one holds the updates
    assert arrays.count == sum(corpus.segments) + len(corpus.updated)
    assert arrays.searcher.doc_count() == int(arrays.live.sum()) == corpus.live


def test_common_words_of_the_large_index_span_several_blocks_and_are_read_whole(
        large_corpus: Corpus, monkeypatch: pytest.MonkeyPatch) -> None:
    next_blocks: list[W3LeafMatcher] = []
    step = W3LeafMatcher._next_block  # noqa: SLF001

    def counted(matcher: W3LeafMatcher) -> None:
        next_blocks.append(matcher)
        step(matcher)

    monkeypatch.setattr(W3LeafMatcher, "_next_block", counted)
    arrays = ArraySearcher(open_index(large_corpus.path).searcher(), ArrayCache(2**24),
                           "text", "replied")
    for text in ("燃气", "小区"):
        next_blocks.clear()
        ids, weights = arrays.postings("text", text)
        per_segment = [reader.doc_frequency("text", text) for reader, _ in arrays.leaves]

        assert min(per_segment[:len(large_corpus.segments)]) > 2 * BLOCK
        assert len(ids) == len(weights) == sum(per_segment)
        assert len(next_blocks) == sum(math.ceil(n / BLOCK) - 1 for n in per_segment)
        theirs = [offset + d for reader, offset in arrays.leaves
                  for d in reader.postings("text", text).all_ids()]  # Whoosh's own decoding
        assert ids[arrays.live[ids]].tolist() == theirs


@pytest.mark.parametrize("query", QUERIES, ids=str)
@pytest.mark.parametrize("filters", FILTERS, ids=str)
def test_ranking_and_totals_are_whooshs(scorer: Scorer, query: Query,
                                        filters: dict[str, str]) -> None:
    theirs = [docnum for docnum, _ in whoosh_top(scorer.searcher, query, filters)]

    docnums, total = scorer.top(query, 30, allowed(scorer, filters))

    assert total == len(theirs)
    assert docnums == theirs[:30]


@pytest.mark.parametrize("query", QUERIES, ids=str)
def test_array_scores_are_whooshs(arrays: ArraySearcher, query: Query) -> None:
    theirs = whoosh_top(arrays.searcher, query, {})
    scores = arrays.scores(query)
    matched = np.flatnonzero((scores > 0) & arrays.live)

    assert sorted(matched.tolist()) == sorted(docnum for docnum, _ in theirs)
    assert [float(scores[d]) for d, _ in theirs] == pytest.approx([s for _, s in theirs],
                                                                   rel=1e-12)


def test_replies_of_one_date_are_in_the_large_index(large_corpus: Corpus) -> None:
    """Without them, newest-first could not show how it orders equal dates."""
    replied = list(open_index(large_corpus.path).reader().column_reader("replied"))

    assert len(set(replied)) < len(replied) / 2


@pytest.mark.parametrize("query", [*QUERIES, Every()], ids=str)
@pytest.mark.parametrize("filters", FILTERS[:2], ids=str)
def test_newest_first_is_by_reply_date_then_document_number(scorer: Scorer, query: Query,
                                                            filters: dict[str, str]) -> None:
    replied = list(scorer.searcher.reader().column_reader("replied"))
    theirs = sorted((docnum for docnum, _ in whoosh_top(scorer.searcher, query, filters)),
                    key=lambda d: (-replied[d], d))

    docnums, total = scorer.top(query, 50, allowed(scorer, filters), newest_first=True)

    assert total == len(theirs)
    assert docnums == theirs[:50]


@pytest.mark.parametrize("newest_first", [False, True], ids=["relevance", "newest"])
def test_pages_put_together_are_the_whole_list(scorer: Scorer, newest_first: bool) -> None:
    query, wanted, per_page = build_query("燃气"), scorer.mask(FILTERS[1]), 7
    whole, total = scorer.top(query, 10_000, wanted, newest_first)
    pages = [scorer.top(query, page * per_page, wanted, newest_first)  # as search_ids asks
             for page in range(1, math.ceil(total / per_page) + 2)]

    shown = [ids[(n - 1) * per_page:] for n, (ids, _) in enumerate(pages, 1)]

    assert len(whole) == total > per_page
    assert [d for page in shown for d in page] == whole
    assert all(len(page) == per_page for page in shown[:-2]) and shown[-1] == []
    assert {count for _, count in pages} == {total}


@pytest.mark.parametrize("filters", [*FILTERS, NOWHERE], ids=str)
def test_a_filter_mask_holds_the_live_documents_with_every_value(scorer: Scorer,
                                                                  filters: dict[str, str]
                                                                  ) -> None:
    reader = scorer.searcher.reader()
    expected = sorted(d for d in reader.all_doc_ids()  # live documents only
                      if filters.items() <= filter_fields(int(scorer.stored(d)["id"])).items())

    assert np.flatnonzero(scorer.mask(filters)).tolist() == expected


def test_a_filter_no_document_passes_finds_nothing(scorer: Scorer) -> None:
    nowhere = scorer.mask(NOWHERE)

    assert scorer.top(build_query("燃气"), 10, nowhere) == ([], 0)
    assert scorer.top(Every(), 10, nowhere, newest_first=True) == ([], 0)


def test_deleted_and_replaced_documents_are_never_found(corpus: Corpus, scorer: Scorer) -> None:
    docnums, total = scorer.top(Every(), 10_000)
    found = [int(scorer.stored(d)["id"]) for d in docnums]

    assert total == len(found) == len(set(found)) == corpus.live  # the updated ones once each
    assert not set(found) & set(corpus.deleted)
    assert set(corpus.updated) <= set(found)


def test_a_page_beyond_the_matches_is_empty_and_the_count_stays_exact(scorer: Scorer) -> None:
    query = build_query("燃气")
    everything, total = scorer.top(query, 10_000)

    assert len(everything) == total == len(whoosh_top(scorer.searcher, query, {}))
    assert scorer.top(query, 0) == ([], total)


def test_a_small_cache_evicts_and_still_answers_the_same(corpus: Corpus,
                                                         arrays: ArraySearcher) -> None:
    tiny = ArrayCache(budget=2_000)
    small = ArraySearcher(open_index(corpus.path).searcher(), tiny, "text", "replied")
    for query in QUERIES:
        assert small.top(query, 10) == arrays.top(query, 10)
        assert tiny.size <= tiny.budget or len(tiny._items) == 1  # noqa: SLF001


def test_a_cached_segment_serves_the_next_searcher(small_corpus: Corpus) -> None:
    cache = ArrayCache(2**20)
    first = ArraySearcher(open_index(small_corpus.path).searcher(), cache, "text", "replied")
    first.top(build_query("燃气"), 10)
    held = cache.size

    again = ArraySearcher(open_index(small_corpus.path).searcher(), cache, "text", "replied")
    again.top(build_query("燃气"), 10)

    assert held > 0 and cache.size == held


@pytest.mark.parametrize("scoring", SCORINGS)
def test_an_empty_index_matches_nothing(tmp_path: Path, scoring: str) -> None:
    whoosh_index.create_in(str(tmp_path), make_schema())
    empty = scorer_over(tmp_path, scoring)

    assert empty.top(build_query("燃气"), 10) == ([], 0)
    assert empty.top(Every(), 10, newest_first=True) == ([], 0)


def test_a_query_shape_it_cannot_score_is_refused(arrays: ArraySearcher) -> None:
    with pytest.raises(TypeError):
        arrays.top(Or([Term("text", "燃气"), Prefix("text", "燃")]), 10)
