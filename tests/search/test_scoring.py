"""The array scorer runs only over the Whoosh release and the index format it was written
for; otherwise Whoosh's own searcher answers the same, after one warning, and
``SEARCH_SCORING=whoosh`` asks for it outright."""

from __future__ import annotations

import random
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
import whoosh
from whoosh import index as whoosh_index
from whoosh.codec import whoosh3
from whoosh.codec.whoosh3 import W3Codec, W3LeafMatcher, W3PerDocReader
from whoosh.matching import ListMatcher
from whoosh.scoring import TF_IDF

from config import BASE_DIR
from portal.search.arrays import WHOOSH_VERSION, ArrayCache, ArraySearcher, UnreadableIndex
from portal.search.index import make_schema, open_index
from portal.search.query import build_query
from portal.search.scoring import Scorer, WhooshScorer, make_scorer
from tests.helpers.corpus import Corpus, document


class OtherCodec(W3Codec):
    """Writes what W3Codec writes, under a name the array scorer does not know."""


def scorers(path: Path, scoring: str, times: int = 2) -> list[Scorer]:
    """Scorers made for ``times`` fresh searchers, as after each change of the index."""
    return [make_scorer(open_index(path).searcher(), ArrayCache(2**20), "text", "replied",
                        scoring) for _ in range(times)]


def test_the_pinned_whoosh_is_the_one_installed_and_the_one_arrays_reads() -> None:
    project = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())["project"]
    pins = [d for d in project["dependencies"] if d.lower().startswith("whoosh")]

    assert pins == ["whoosh==" + ".".join(map(str, WHOOSH_VERSION))]
    assert whoosh.__version__ == WHOOSH_VERSION


def _another_release(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(whoosh, "__version__", (2, 7, 5))
    return "Whoosh 2.7.5 is installed"


def _codec_module_changed(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.delattr(whoosh3, "_lenfield")
    return "whoosh.codec.whoosh3 has no _lenfield"


def _matcher_changed(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.delattr(W3LeafMatcher, "_next_block")
    return "W3LeafMatcher has no _next_block"


def _another_matcher(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(W3Codec, "postings_reader",
                        lambda *args, **kwargs: ListMatcher([0], [1.0]))
    return "postings are read by ListMatcher"


def _per_document_reader_changed(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.delattr(W3PerDocReader, "_cached_reader")
    return "per-document reader has no _cached_reader"


@pytest.mark.parametrize("change", [_another_release, _codec_module_changed, _matcher_changed,
                                    _another_matcher, _per_document_reader_changed],
                         ids=["release", "codec module", "matcher", "matcher class",
                              "per-document reader"])
def test_a_whoosh_the_arrays_cannot_read_is_refused_with_one_warning(
        small_corpus: Corpus, scoring_warnings: list[str], monkeypatch: pytest.MonkeyPatch,
        change: Callable[[pytest.MonkeyPatch], str]) -> None:
    reason = change(monkeypatch)

    with pytest.raises(UnreadableIndex, match=reason):
        ArraySearcher(open_index(small_corpus.path).searcher(), ArrayCache(2**20), "text",
                      "replied")
    made = scorers(small_corpus.path, "arrays")

    assert all(isinstance(scorer, WhooshScorer) for scorer in made)
    assert len(scoring_warnings) == 1 and reason in scoring_warnings[0]


def test_another_release_is_searched_with_whooshs_own_searcher_and_finds_the_same(
        large_corpus: Corpus, scoring_warnings: list[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    query, arrays = build_query("小区 燃气"), scorers(large_corpus.path, "arrays", 1)[0]
    assert isinstance(arrays, ArraySearcher)
    _another_release(monkeypatch)

    fallback = scorers(large_corpus.path, "arrays", 1)[0]

    assert isinstance(fallback, WhooshScorer)
    for newest_first in (False, True):
        assert fallback.top(query, 20, None, newest_first) == arrays.top(query, 20, None,
                                                                         newest_first)
    assert len(scoring_warnings) == 1


def test_a_segment_of_another_codec_is_searched_with_whooshs_own_searcher(
        tmp_path: Path, scoring_warnings: list[str]) -> None:
    ix = whoosh_index.create_in(str(tmp_path), make_schema())
    rng = random.Random(3)
    for codec in (W3Codec(), OtherCodec()):
        writer = ix.writer(codec=codec)
        for i in range(20):
            writer.add_document(**document(i, rng))
        writer.commit(merge=False)

    made = scorers(tmp_path, "arrays")

    assert all(isinstance(scorer, WhooshScorer) for scorer in made)
    assert len(scoring_warnings) == 1 and "written by OtherCodec" in scoring_warnings[0]
    assert made[0].top(build_query("燃气"), 5)[1] > 0


def test_scoring_other_than_bm25f_is_refused(small_corpus: Corpus) -> None:
    searcher = open_index(small_corpus.path).searcher(weighting=TF_IDF())

    with pytest.raises(UnreadableIndex, match="TF_IDF"):
        ArraySearcher(searcher, ArrayCache(2**20), "text", "replied")


def test_search_scoring_whoosh_uses_whooshs_searcher_without_a_warning(
        small_corpus: Corpus, scoring_warnings: list[str]) -> None:
    assert all(isinstance(s, WhooshScorer) for s in scorers(small_corpus.path, "whoosh"))
    assert all(isinstance(s, ArraySearcher) for s in scorers(small_corpus.path, "arrays"))
    assert scoring_warnings == []


def test_an_unknown_search_scoring_stops_the_app_from_starting(make_app: Callable) -> None:
    with pytest.raises(ValueError, match="SEARCH_SCORING must be one of arrays, whoosh"):
        make_app(SEARCH_SCORING="numpy")
