"""Search indexes built straight with Whoosh for the scoring tests: generated replies in
several segments, with deletions and updates."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index

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
