"""The report: everything the search bench prints.

The running log with its progress lines while a run goes on; at the end the table of
methods (build, size, percentiles, queries with no hit), the other measurements, and the
issue's targets marked met or not (``evaluate``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


class Log:
    """Prints a line after the seconds since the bench started."""

    def __init__(self) -> None:
        self.t0 = time.perf_counter()

    def __call__(self, msg: str) -> None:
        print(f"[{time.perf_counter() - self.t0:7.1f}s] {msg}", flush=True)


log = Log()


def progress(label: str, total: int) -> Callable[[int], None]:
    """A callback logging ``label``'s progress each tenth of ``total``, with the rate."""
    step = max(total // 10, 1)
    started = time.perf_counter()

    def tick(done: int) -> None:
        if done % step == 0 or done == total:
            rate = done / max(time.perf_counter() - started, 1e-9)
            log(f"  {label}: {done}/{total} ({rate:,.0f}/s)")
    return tick


def fmt_ms(x: float) -> str:
    return f"{x:8.1f}"


def print_table(res: dict[str, Any]) -> None:
    """The results of a run: the table of methods, the other numbers, the targets."""
    runs = res["runs"]
    base = runs.get("FTS5 jieba", {}).get("p95")
    print()
    print(f"N = {res['n']:,} replies, {res['queries']} queries, top {res['per_page']} with snippets; "
          f"{res['machine']}")
    print(f"{'method':<26}{'build s':>9}{'size MB':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
          f"{'mean ms':>9}{'0-hit':>7}{'p95/FTS5-jieba':>16}")
    for name, r in runs.items():
        ratio = f"{r['p95'] / base:.2f}x" if base else "-"
        build = f"{r['build_s']:9.1f}" if r.get("build_s") is not None else f"{'':>9}"
        size = f"{r['size_mb']:9.1f}" if r.get("size_mb") is not None else f"{'':>9}"
        print(f"{name:<26}{build}{size}{fmt_ms(r['p50'])} {fmt_ms(r['p95'])} {fmt_ms(r['p99'])} "
              f"{fmt_ms(r['mean'])}{r['zero']:>7}{ratio:>16}")
    if res.get("by_kind"):
        print("p50 / p95 ms by kind of query:")
        for name, kinds in res["by_kind"].items():
            print(f"  {name:<26}" + "  ".join(f"{k} ({v['count']}): {v['p50']:.1f} / {v['p95']:.1f}"
                                             for k, v in kinds.items()))
    print()
    w = res["whoosh_build"]
    print(f"Whoosh build: {w['seconds']:.1f} s with procs={w['procs']}"
          f"{', multisegment=True' if w['procs'] > 1 else ''}, "
          f"limitmb={w['limitmb']}; {w['segments']} segments; index {w['bytes'] / 2**20:.1f} MB")
    print(f"Peak RSS: bench process {res['memory']['peak_self_mb']:.0f} MB (holds the corpus), "
          f"largest child (Whoosh sub-writer) {res['memory']['peak_children_mb']:.0f} MB")
    if "searcher_open_ms" in res:
        s = res["searcher_open_ms"]
        print(f"Opening a searcher (open_dir + searcher): p50 {s['p50']:.1f} ms, max {s['max']:.1f} ms")
    if "breakdown" in res:
        print("Whoosh time per step (p50 / p95 ms):")
        for k, v in res["breakdown"].items():
            print(f"  {k:<32}{v['p50']:8.2f}{v['p95']:8.2f}")
    if "publishing" in res:
        p = res["publishing"]
        print(f"Publishing ({p['count']} new replies, p50 / p95 ms):")
        for k in ("redact_ms", "db_commit_ms", "publish_ms", "index_apply_ms",
                  "commit_to_searchable_ms"):
            print(f"  {k:<28}{p[k]['p50']:8.1f}{p[k]['p95']:8.1f}")
        if p["not_found_within_10s"]:
            print(f"  NOT FOUND within 10 s: {p['not_found_within_10s']}")
    if "worker" in res and "error" not in res["worker"]:
        wk = res["worker"]
        for stage in ("after create_app", "after first search", "after all queries"):
            m = wk[stage]
            print(f"Fresh worker {stage:<20} RSS {m.get('VmRSS', 0):7.0f} MB  "
                  f"anon (unshared) {m.get('RssAnon', 0):7.0f} MB  file-backed {m.get('RssFile', 0):7.0f} MB")
        print(f"Fresh worker first search (loads jieba, opens the searcher): {wk['first search ms']:.0f} ms")
    elif "worker" in res:
        print("worker probe failed:", res["worker"]["error"])
    if res.get("http_errors"):
        print("HTTP errors:", res["http_errors"][:10])
    if "agreement" in res:
        a = res["agreement"]
        print(f"Newest-first queries with the same top 10 in Whoosh and FTS5-jieba: "
              f"{a['same']}/{a['total']}")
        if a["whoosh_only_zero"]:
            print(f"  no hit in Whoosh but hits in FTS5-jieba: {a['whoosh_only_zero']}")
        if a["fts_only_zero"]:
            print(f"  no hit in FTS5-jieba but hits in Whoosh: {a['fts_only_zero']}")
    print()
    print("Targets (issue 4, at 100,000 replies, in-process):")
    for line in res["targets"]:
        print("  " + line)


def evaluate(res: dict[str, Any]) -> list[str]:
    """The issue's targets, one line each, marked met, NOT met or n/a (not at 100,000)."""
    runs = res["runs"]
    wh, fj = runs["Whoosh in-process"], runs.get("FTS5 jieba")
    lines = []

    def line(ok: bool | None, text: str) -> None:
        lines.append(f"[{'met' if ok else ('n/a' if ok is None else 'NOT met')}] {text}")

    line(wh["p95"] <= 100, f"search p95 ≤ 100 ms: {wh['p95']:.1f} ms (stretch ≤ 50 ms: "
         f"{'met' if wh['p95'] <= 50 else 'not met'})")
    if fj:
        line(wh["p95"] <= 3 * fj["p95"], f"within 3× of FTS5-over-jieba p95: "
             f"{wh['p95']:.1f} vs {fj['p95']:.1f} ms = {wh['p95'] / fj['p95']:.2f}×")
        line(wh["zero"] <= fj["zero"], f"zero-hit queries ≤ FTS5-over-jieba: {wh['zero']} vs {fj['zero']}")
    if "publishing" in res:
        p = res["publishing"]
        line(p["commit_to_searchable_ms"]["p95"] <= 1000,
             f"new reply searchable ≤ 1 s after commit: p95 {p['commit_to_searchable_ms']['p95']:.0f} ms")
        line(p["publish_ms"]["p95"] <= 150,
             f"one publish ≤ 150 ms p95 (redaction + transaction): {p['publish_ms']['p95']:.0f} ms"
             f" (+ index apply after commit, off the request: p95 {p['index_apply_ms']['p95']:.0f} ms)")
    wb = res["whoosh_build"]
    est = wb["seconds"] * 100_000 / res["n"]
    line(est <= 600 if res["n"] >= 100_000 else None,
         f"full rebuild ≤ 10 min: {wb['seconds'] / 60:.1f} min for {res['n']:,} with procs={wb['procs']}"
         + ("" if res["n"] >= 100_000 else f" (≈ {est / 60:.1f} min at 100,000 if linear)")
         + "; bench/import_bench.py times `flask search rebuild` itself")
    if "worker" in res and "error" not in res["worker"]:
        anon = res["worker"]["after all queries"].get("RssAnon", float("nan"))
        line(anon <= 300, f"web worker's own (unshared) memory ≤ 300 MB: {anon:.0f} MB anon "
             f"(+ {res['worker']['after all queries'].get('RssFile', 0):.0f} MB file-backed, shared)")
    return lines
