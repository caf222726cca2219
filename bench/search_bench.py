"""Benchmark of the echo wall's search (issue 4, "Speed").

Generates N realistic Chinese letters and replies (deterministic, ``--seed``), then in
one run:

* builds the portal's real Whoosh index (``portal.search.index.make_schema`` and
  ``document_for``, the portal's jieba analyzer and civic dictionary) with
  ``writer(procs=2, multisegment=True)``, and reports build time, size on disk and
  peak memory;
* times 200 mixed 1–3 word queries (top 10, highlighted snippets, some filtered,
  some newest-first) in-process through ``portal.search.query.search_ids`` with a
  ``SearchIndex`` over the built folder, and over HTTP against the real app
  (``create_app`` on a temporary SQLite database holding the same publications,
  werkzeug on 127.0.0.1 in a thread, ``GET /api/search`` with urllib);
* builds SQLite FTS5 over the same corpus twice (``trigram`` tokenizer; jieba tokens
  joined by spaces with the default ``unicode61`` tokenizer), runs the same queries
  and prints p95 ratios and how many queries each method answers with no hit;
* measures one publish (redaction + the database transaction with its outbox row),
  the index apply (``SearchIndex.sync``) and the time from commit until the new reply
  is found over HTTP, and the memory of a fresh web worker after 200 searches.

    .venv/bin/python bench/search_bench.py --quick        # N=5,000, under a minute
    .venv/bin/python bench/search_bench.py                # N=100,000 (tens of minutes)
    .venv/bin/python bench/search_bench.py --n 30000 --json /tmp/bench.json

Everything is written to a temporary folder (``--workdir``), removed at the end unless
``--keep``. Nothing in the repository is touched. See bench/README.md.

This script holds the options and the order of the steps; the corpus, the queries, the
engines, the measurements and the report are in ``bench/searchbench/``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import sqlite3
import sys
from pathlib import Path
from typing import Any

from searchbench.engines import city_context, load_analyzer
from searchbench.measure import (
    Run,
    code_label,
    machine,
    maxrss_mb,
    measure_app,
    measure_corpus,
    measure_fts5,
    measure_whoosh_build,
    measure_whoosh_search,
    probe_worker,
    tabulate,
    work_folder,
)
from searchbench.queries import make_queries
from searchbench.report import evaluate, log, print_table


def options() -> argparse.Namespace:
    """The command line; ``--quick`` sets N to 5,000."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="replies to generate")
    parser.add_argument("--quick", action="store_true", help="N=5,000 (under a minute)")
    parser.add_argument("--seed", type=int, default=20240604)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--procs", type=int, default=2, help="Whoosh writer processes")
    parser.add_argument("--limitmb", type=int, default=256, help="Whoosh writer memory per process")
    parser.add_argument("--publishes", type=int, default=30, help="new replies to publish and time")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--skip-fts", action="store_true")
    parser.add_argument("--workdir", type=Path, help="default: a new folder under /tmp")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--label", default="", help="recorded with the results (e.g. the commit)")
    parser.add_argument("--probe-worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.n = 5_000
    return args


def main() -> int:
    """One run: each step in turn, then the report and the results as JSON."""
    args = options()
    if args.probe_worker:
        probe_worker(args.probe_worker)
        return 0
    load_analyzer()
    with city_context(), work_folder(args.workdir, "portal-search-bench-", args.keep) as workdir:
        index_dir = workdir / "search_index"
        res: dict[str, Any] = {
            "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"), "n": args.n,
            "queries": args.queries, "per_page": 10, "seed": args.seed,
            "machine": f"{machine()}, Python {sys.version.split()[0]}, "
                       f"SQLite {sqlite3.sqlite_version}",
            "runs": {}, "label": args.label or code_label(),
        }
        log(f"work folder {workdir}; {res['machine']}; code {res['label']}")
        pubs, res["corpus"] = measure_corpus(args.n, args.seed)
        by_id = {p.id: p for p in pubs}
        specs = make_queries(args.queries, args.seed)
        res["whoosh_build"] = measure_whoosh_build(pubs, index_dir, args.procs, args.limitmb)
        res["memory"] = {"peak_self_mb": maxrss_mb(),
                         "peak_children_mb": maxrss_mb(resource.RUSAGE_CHILDREN)}
        runs: dict[str, Run] = {}
        runs["Whoosh in-process"], found = measure_whoosh_search(
            index_dir, specs, by_id, breakdown=not args.quick)
        res |= found
        if not args.skip_fts:
            fts_runs, found = measure_fts5(pubs, by_id, specs, workdir)
            runs |= fts_runs
            res |= found
        if not args.skip_http:
            runs["Whoosh over HTTP"], found = measure_app(
                pubs, specs, workdir, index_dir, 10 if args.quick else args.publishes, args.seed,
                Path(__file__), specs[:50] if args.quick else specs)
            res |= found
        res |= tabulate(res, runs, specs)
        res["memory"]["peak_self_mb_end"] = maxrss_mb()
        res["load_end"] = os.getloadavg()[0]
        res["targets"] = evaluate(res)
        print_table(res)
        out = args.json or workdir / "results.json"
        out.write_text(json.dumps(res, ensure_ascii=False, indent=1, default=str))
        log(f"results written to {out}; CPU time: {resource.getrusage(resource.RUSAGE_SELF).ru_utime:.0f} s "
            f"self + {resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime:.0f} s children (user)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
