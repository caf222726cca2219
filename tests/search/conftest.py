"""Whoosh indexes of generated replies, written as the portal writes them, and a record
of what search scoring warns."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from portal.search import scoring
from tests.helpers.corpus import Corpus, build_corpus


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    """80 documents in three segments: every posting list fits in one block."""
    return build_corpus(tmp_path_factory.mktemp("small"), (30, 30, 20), (3, 31, 77), (5, 40))


@pytest.fixture(scope="session")
def large_corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    """1,400 documents in segments of hundreds, a tenth deleted and a tenth updated since:
    a common word has several blocks of postings in each of them."""
    return build_corpus(tmp_path_factory.mktemp("large"), (600, 450, 350),
                        tuple(range(3, 1400, 10)), tuple(range(7, 1400, 10)))


class _Messages(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def scoring_warnings(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """What ``portal.search.scoring`` warns from now on, as if the process had just begun.

    Caught on its own logger: the app's logging stops ``portal`` records from reaching
    the root logger that pytest's ``caplog`` listens to.
    """
    monkeypatch.setattr(scoring, "_warned", set())
    handler = _Messages()
    logger = logging.getLogger(scoring.__name__)
    logger.addHandler(handler)
    yield handler.messages
    logger.removeHandler(handler)
