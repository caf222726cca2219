"""The parts of ``bench/search_bench.py``, one job each; ``bench/import_bench.py`` reuses them.

* ``corpus``: the synthetic letters and replies;
* ``queries``: the queries every engine is asked;
* ``engines``: the portal's Whoosh path (in-process and over HTTP) and SQLite FTS5;
* ``measure``: timings, percentiles, memory, and the steps the bench times;
* ``report``: what the bench prints (its log, the table, the targets).

Importing the package puts the repository on ``sys.path``, so that ``portal`` imports
when a script runs as ``python bench/search_bench.py`` from the repository root.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
