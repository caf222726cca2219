"""The array searcher ranks exactly as Whoosh's own exhaustive search does, over several
segments, deletions and updates, with filters and newest-first, whatever its cache holds."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from whoosh import index as whoosh_index
from whoosh.query import And, Every, Or, Prefix, Query, Term

from portal.search.analyzer import weighted
from portal.search.arrays import ArrayCache, ArraySearcher
from portal.search.index import WEIGHTS, make_schema, open_index
from portal.search.query import build_query

PHRASES = ["人民路路灯夜间不亮", "燃气账单金额异常", "小区广场舞噪声扰民", "建议新增公交线路",
           "解放路交叉口下雨积水", "老旧小区燃气管道改造", "物业公司服务差", "电动车充电难",
           "学校门口交通拥堵", "垃圾分类收运不及时", "暖气不热要求退费", "停车位收费不合理"]
DEPARTMENTS = ["市城市管理局", "市住房和城乡建设委员会", "市交通运输局", "市生态环境局"]


def document(i: int, rng: random.Random) -> dict[str, Any]:
    def text(n: int) -> str:
        return "，".join(rng.choice(PHRASES) for _ in range(n)) + "。"
    department = DEPARTMENTS[i % len(DEPARTMENTS)]
    return {"id": str(i), "department": department, "category": "城市管理", "kind": "complaint",
            "channel": "mailbox", "year": str(2020 + i % 5), "replied": 1_600_000_000 + i * 7919 % 500,
            "text": weighted([(text(1), WEIGHTS["title"]), (text(rng.randint(2, 9)), WEIGHTS["reply"]),
                              (text(rng.randint(1, 6)) + "\n" + department, WEIGHTS["letter"])])}


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    """80 documents in three segments, some deleted and some updated since."""
    rng = random.Random(7)
    ix = whoosh_index.create_in(str(tmp_path), make_schema())
    for start in (0, 30, 60):
        writer = ix.writer()
        for i in range(start, start + 30 if start < 60 else 80):
            writer.add_document(**document(i, rng))
        writer.commit(merge=False)
    writer = ix.writer()
    for i in (3, 31, 77):
        writer.delete_by_term("id", str(i))
    for i in (5, 40):
        writer.update_document(**document(i, rng))
    writer.commit(merge=False)
    return tmp_path


@pytest.fixture
def arrays(index_dir: Path) -> ArraySearcher:
    return ArraySearcher(open_index(index_dir).searcher(), ArrayCache(2**20), "text", "replied")


QUERIES: list[Query] = [q for q in (build_query(t) for t in (
    "燃气", "路灯", "噪音", "人民路 路灯", "小区 燃气 管道", "停车", "公交线路", "市城市管理局",
    "煤气", "物业 服务", "暖气 退费", "不存在的词")) if q is not None]


def whoosh_top(arrays: ArraySearcher, query: Query, limit: int | None, filters: dict[str, str],
               newest: bool = False) -> list[tuple[int, float]]:
    results = arrays.searcher.search(
        query, limit=limit, optimize=False,  # block-quality skipping can drop a better hit
        filter=And([Term(k, v) for k, v in filters.items()]) if filters else None,
        sortedby="replied" if newest else None, reverse=newest)
    return [(hit.docnum, hit.score) for hit in results]


def test_the_index_under_test_has_segments_and_deletions(arrays: ArraySearcher) -> None:
    assert len(arrays.leaves) >= 3
    assert arrays.searcher.doc_count() == 77 < arrays.count
    assert int(arrays.live.sum()) == 77


@pytest.mark.parametrize("query", QUERIES, ids=str)
@pytest.mark.parametrize("filters", [{}, {"department": "市城市管理局"}, {"year": "2022"},
                                     {"department": "市交通运输局", "year": "2021"}], ids=str)
def test_relevance_ranking_and_scores_are_whooshs(arrays: ArraySearcher, query: Query,
                                                  filters: dict[str, str]) -> None:
    theirs = whoosh_top(arrays, query, None, filters)
    docnums, total = arrays.top(query, 10, arrays.mask(filters) if filters else None)
    scores = arrays.scores(query)

    assert total == len(theirs)
    assert docnums == [d for d, _ in theirs[:10]]
    assert [round(float(scores[d]), 6) for d in docnums] == [round(s, 6) for _, s in theirs[:10]]


@pytest.mark.parametrize("query", [*QUERIES, Every()], ids=str)
def test_newest_first_puts_the_latest_reply_first(arrays: ArraySearcher, query: Query) -> None:
    docnums, total = arrays.top(query, 80, newest_first=True)
    dates = [int(arrays.dates()[d]) for d in docnums]
    expected = sorted((-int(arrays.dates()[d]), d) for d, _ in whoosh_top(arrays, query, None, {}))

    assert total == len(expected) and docnums == [d for _, d in expected]
    assert dates == sorted(dates, reverse=True)


def test_deleted_and_replaced_documents_are_never_found(arrays: ArraySearcher) -> None:
    live_ids = {f["id"] for f in arrays.searcher.all_stored_fields()}
    found = {arrays.stored(d)["id"] for d in arrays.top(Every(), 100)[0]}

    assert found == live_ids and not found & {"3", "31", "77"}
    assert len(found) == 77  # the updated 5 and 40 once each


def test_a_page_beyond_the_matches_is_empty_and_the_count_stays_exact(arrays: ArraySearcher) -> None:
    query = build_query("燃气")
    everything, total = arrays.top(query, 1000)

    assert len(everything) == total == len(whoosh_top(arrays, query, None, {}))
    assert arrays.top(query, 0) == ([], total)


def test_a_small_cache_evicts_and_still_answers_the_same(index_dir: Path,
                                                         arrays: ArraySearcher) -> None:
    tiny = ArrayCache(budget=2_000)
    small = ArraySearcher(open_index(index_dir).searcher(), tiny, "text", "replied")
    for query in QUERIES:
        assert small.top(query, 10) == arrays.top(query, 10)
        assert tiny.size <= tiny.budget or len(tiny._items) == 1  # noqa: SLF001


def test_a_cached_segment_serves_the_next_searcher(index_dir: Path) -> None:
    cache = ArrayCache(2**20)
    first = ArraySearcher(open_index(index_dir).searcher(), cache, "text", "replied")
    first.top(build_query("燃气"), 10)
    held = cache.size

    again = ArraySearcher(open_index(index_dir).searcher(), cache, "text", "replied")
    again.top(build_query("燃气"), 10)

    assert held > 0 and cache.size == held


def test_an_empty_index_matches_nothing(tmp_path: Path) -> None:
    whoosh_index.create_in(str(tmp_path), make_schema())
    empty = ArraySearcher(open_index(tmp_path).searcher(), ArrayCache(2**20), "text", "replied")

    assert empty.top(build_query("燃气"), 10) == ([], 0)
    assert empty.top(Every(), 10, newest_first=True) == ([], 0)


def test_a_query_shape_it_cannot_score_is_refused(arrays: ArraySearcher) -> None:
    with pytest.raises(TypeError):
        arrays.top(Or([Term("text", "燃气"), Prefix("text", "燃")]), 10)
