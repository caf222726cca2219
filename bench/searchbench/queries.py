"""The queries: what every engine is asked, the same list for the same seed.

1–3 words as people type them (topic words, synonyms, places, departments, whole
phrases, mixed scripts, words nobody wrote about); about a third filtered by department,
category or year, a third newest first.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from .corpus import ALL_DEPTS, COMPOUNDS, DISTRICTS, ROADS, TOPICS


@dataclass
class QuerySpec:
    """One query: its words, its filters (department, category, year), its order."""

    text: str
    filters: dict[str, str] = field(default_factory=dict)
    newest: bool = False


# Words nobody wrote about: a well-behaved engine finds nothing.
ABSENT = ["量子计算", "火星基地", "比特币挖矿", "航天飞机", "冰川融化"]
# How people type: whole phrases, mixed scripts, synonyms.
PHRASES = ["人民路路灯不亮", "小区停车难怎么办", "孩子上学学位", "燃气费太贵", "暖气不热退费",
           "PM2.5超标", "12345热线", "5G信号差", "楼上装修噪音", "电动车充电", "公积金提取租房",
           "异地就医报销", "拖欠工资", "老旧小区改造", "下雨积水", "井盖丢了"]


def make_queries(count: int, seed: int) -> list[QuerySpec]:
    """``count`` mixed 1–3 word queries; about a third filtered, a third newest-first."""
    rng = random.Random(seed + 1)
    short_depts = {"市住建委": "住建委", "市城市管理局": "城管", "市交通运输局": "交通运输局",
                   "市生态环境局": "生态环境局", "市教育局": "教育局"}
    specs: list[QuerySpec] = []
    for word in ABSENT:
        specs.append(QuerySpec(word))
    for phrase in PHRASES:
        specs.append(QuerySpec(phrase))
    while len(specs) < count:
        topic = rng.choice(TOPICS)
        word = rng.choice(topic["words"])
        shape = rng.random()
        if shape < 0.35:
            parts = [word]
        elif shape < 0.55:
            parts = [rng.choice(ROADS + COMPOUNDS), word]
        elif shape < 0.75:
            parts = [word, rng.choice(topic["aspects"])]
        elif shape < 0.85:
            dept = rng.choice(topic["depts"])
            parts = [short_depts.get(dept, dept) if rng.random() < 0.5 else dept, word]
        else:
            parts = [rng.choice(DISTRICTS + ROADS), word, rng.choice(topic["aspects"])]
        spec = QuerySpec(" ".join(parts))
        roll = rng.random()
        if roll < 0.20:
            spec.filters["department"] = rng.choice(topic["depts"]) if rng.random() < 0.9 \
                else rng.choice(ALL_DEPTS)
        elif roll < 0.28:
            spec.filters["category"] = topic["category"]
        elif roll < 0.36:
            spec.filters["year"] = str(rng.randint(2019, 2025))
        spec.newest = rng.random() < 0.33
        specs.append(spec)
    rng.shuffle(specs)
    return specs[:count]
