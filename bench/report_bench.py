"""Benchmark of the monthly report and the public /stats page (issue 12, "Acceptance").

Writes N cases with their whole history over thirteen months (October 2025 to October
2026, ``reportbench.py``) into a new SQLite database, then times, on the real app:

* the monthly report of October 2026: every section built and stored (``issue_report``),
  then written as HTML, Word, Excel and zipped CSV, section by section;
* ``GET /stats`` over HTTP (werkzeug on a loopback port): the first request computes the
  year, the next ones are served while it is warm.

    .venv/bin/python bench/report_bench.py --n 5000      # a smoke test, about a minute
    .venv/bin/python bench/report_bench.py               # N = 100,000, several minutes

Targets: the monthly report over 100,000 cases in at most 10 s; /stats p95 at most
200 ms once warm. Everything goes to a folder under /tmp, removed unless ``--keep``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
import urllib.request
from pathlib import Path
from typing import Any

import reportbench
from searchbench.engines import Server, app_overrides, make_app
from searchbench.measure import machine, summary, timed, work_folder
from searchbench.report import log, progress

FIRST, LAST = dt.date(2025, 10, 1), dt.date(2026, 10, 31)
MONTH = "2026-10"
TARGET_REPORT_S, TARGET_STATS_P95_MS = 10.0, 200.0


def time_report(app: Any, out: Path) -> dict[str, float]:
    """Seconds for each section of the monthly report, the whole issue, and the files."""
    from portal.db import db
    from portal.reports import assemble
    from portal.reports.brief import Brief
    from portal.reports.files import file_stem, write_files
    from portal.reports.models import ReportKind
    from portal.reports.scope import month_scope
    from portal.reports.services import issue_report

    seconds: dict[str, float] = {}

    def timing(build: Any) -> Any:
        def wrapped(session: Any, brief: Any) -> Any:
            section, took = timed(lambda: build(session, brief))
            seconds[f"  {build.__name__}"] = took
            return section
        return wrapped

    with app.test_request_context():
        brief = Brief(ReportKind.MONTHLY, month_scope(MONTH), None, LAST)
        sections = assemble.MONTHLY_SECTIONS
        assemble.MONTHLY_SECTIONS = [timing(b) for b in sections]
        try:
            stored, seconds["issue (all sections, stored)"] = timed(
                lambda: issue_report(db.session, brief))
            db.session.commit()
        finally:
            assemble.MONTHLY_SECTIONS = sections
        report = stored.report
        files, seconds["files (html, docx, xlsx, zip)"] = timed(
            lambda: list(write_files(report, out, file_stem(stored.id, report))))
    seconds["total"] = seconds["issue (all sections, stored)"] + \
        seconds["files (html, docx, xlsx, zip)"]
    for path in files:
        log(f"  wrote {path} ({path.stat().st_size / 1024:,.0f} KB)")
    return seconds


def time_stats(app: Any, requests: int) -> dict[str, float]:
    """The first /stats over HTTP (it computes the year), then ``requests`` warm ones."""
    server = Server(app)
    url = f"{server.base}/stats?year=2026"

    def get() -> float:
        started = time.perf_counter()
        with urllib.request.urlopen(url, timeout=120) as response:
            response.read()
            assert response.status == 200
        return (time.perf_counter() - started) * 1000

    try:
        cold = get()
        warm = [get() for _ in range(requests)]
    finally:
        server.close()
    return {"cold": cold, **summary(warm)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="cases (default 100,000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--requests", type=int, default=200, help="warm /stats requests")
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()

    log(f"report bench: N={args.n:,} cases, {FIRST} to {LAST}; {machine()}")
    with work_folder(args.workdir, "report-bench-", args.keep) as workdir:
        overrides = app_overrides(workdir, workdir / "index") | {"STATS_CACHE_SECONDS": 600}
        app = make_app(overrides)
        counts, took = timed(lambda: reportbench.fill(
            app, args.n, args.seed, FIRST, LAST, progress("cases", args.n)))
        log(f"database: {counts} in {took:.0f} s")
        report = time_report(app, workdir / "reports")
        stats = time_stats(app, args.requests)

    log("")
    log(f"monthly report {MONTH} over {args.n:,} cases (seconds):")
    for name, seconds in report.items():
        log(f"  {name:<34} {seconds:8.2f}")
    log(f"/stats over HTTP (ms): first {stats['cold']:.0f}; warm p50 {stats['p50']:.1f}, "
        f"p95 {stats['p95']:.1f}, p99 {stats['p99']:.1f} ({args.requests} requests)")
    met_report = report["total"] <= TARGET_REPORT_S
    met_stats = stats["p95"] <= TARGET_STATS_P95_MS
    log(f"targets: report ≤ {TARGET_REPORT_S:.0f} s: {'met' if met_report else 'NOT met'}; "
        f"/stats p95 ≤ {TARGET_STATS_P95_MS:.0f} ms: {'met' if met_stats else 'NOT met'}")
    return 0 if met_report and met_stats else 1


if __name__ == "__main__":
    raise SystemExit(main())
