"""Time the hot topics of a month of letters: ``python bench/hot_topics_bench.py [N]``:
cutting the letters (done once, when each letter arrives) and ranking their words (at
every report).

Letters are built from the wall corpus phrases of the search tests' helper, with a
greeting, a name and a phone number as real letters have; the database is left out
(``rank_topics`` is the part whose cost grows with the letters).
"""

from __future__ import annotations

import random
import sys
import time

import searchbench  # noqa: F401  (puts the repository on sys.path)

from portal.chinese import letter_words
from portal.reports.hot_topics import rank_topics
from tests.helpers.corpus import PHRASES

FILLER = ["尊敬的市长您好", "我是本市居民", "联系电话13912345678", "希望有关部门尽快处理",
          "这个问题已经持续了好几个月", "周边居民意见很大", "谢谢"]


def letters(n: int) -> list[tuple[int, str]]:
    rng = random.Random(12)
    out = []
    for i in range(n):
        parts = rng.sample(FILLER, 3) + [rng.choice(PHRASES) for _ in range(rng.randint(20, 44))]
        rng.shuffle(parts)
        out.append((i, rng.choice(PHRASES) + "\n" + "，".join(parts) + "。"))
    return out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 8000
    month = letters(n)
    chars = sum(len(text) for _, text in month)
    letter_words("", month[0][1])  # load jieba's dictionaries first
    start = time.perf_counter()
    words = [(i, letter_words("", text)) for i, text in month]
    cutting = time.perf_counter() - start
    start = time.perf_counter()
    top = rank_topics(words)
    ranking = time.perf_counter() - start
    print(f"{n} letters, {chars / n:.0f} characters each on average: cutting "
          f"{cutting:.2f} s ({cutting / n * 1000:.2f} ms a letter), ranking {ranking:.2f} s; "
          f"top topics: {', '.join(t.term for t, _ in top[:5])}")


if __name__ == "__main__":
    main()
