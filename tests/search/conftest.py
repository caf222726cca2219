"""Whoosh indexes of generated replies, written as the portal writes them, and a record
of what search scoring warns."""

from __future__ import annotations

import logging
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from whoosh import index as whoosh_index

from portal.search import scoring
from portal.search.analyzer import weighted
from portal.search.index import WEIGHTS, make_schema

PHRASES = ["人民路路灯夜间不亮", "燃气账单金额异常", "小区广场舞噪声扰民", "建议新增公交线路",
           "解放路交叉口下雨积水", "老旧小区燃气管道改造", "物业公司服务差", "电动车充电难",
           "学校门口交通拥堵", "垃圾分类收运不及时", "暖气不热要求退费", "停车位收费不合理"]
DEPARTMENTS = ["市城市管理局", "市住房和城乡建设委员会", "市交通运输局", "市生态环境局"]


def filter_fields(i: int) -> dict[str, str]:
    """The filterable fields of document ``i``, which follow from its number alone."""
    return {"department": DEPARTMENTS[i % len(DEPARTMENTS)], "category": "城市管理",
            "kind": "complaint", "channel": "mailbox", "year": str(2020 + i % 5)}


def document(i: int, rng: random.Random) -> dict[str, Any]:
    def text(n: int) -> str:
        return "，".join(rng.choice(PHRASES) for _ in range(n)) + "。"
    fields = filter_fields(i)
    return {"id": str(i), **fields, "replied": 1_600_000_000 + i * 7919 % 500,
            "text": weighted([(text(1), WEIGHTS["title"]), (text(rng.randint(2, 9)), WEIGHTS["reply"]),
                              (text(rng.randint(1, 6)) + "\n" + fields["department"],
                               WEIGHTS["letter"])])}


@dataclass(frozen=True)
class Corpus:
    """An index of ``segments`` (documents in each, numbered on), after which ``deleted``
    were deleted and ``updated`` rewritten, in one more segment."""

    path: Path
    segments: tuple[int, ...]
    deleted: tuple[int, ...]
    updated: tuple[int, ...]

    @property
    def live(self) -> int:
        return sum(self.segments) - len(self.deleted)


def build_corpus(folder: Path, segments: tuple[int, ...], deleted: tuple[int, ...],
                 updated: tuple[int, ...]) -> Corpus:
    rng = random.Random(7)
    ix = whoosh_index.create_in(str(folder), make_schema())
    start = 0
    for size in segments:
        writer = ix.writer()
        for i in range(start, start + size):
            writer.add_document(**document(i, rng))
        writer.commit(merge=False)
        start += size
    writer = ix.writer()
    for i in deleted:
        writer.delete_by_term("id", str(i))
    for i in updated:
        writer.update_document(**document(i, rng))
    writer.commit(merge=False)
    return Corpus(folder, segments, deleted, updated)


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
