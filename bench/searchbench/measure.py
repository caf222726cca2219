"""The measurements: timings, percentiles and memory, and the steps the search bench times.

The primitives (``pct``, ``summary``, ``timed``, ``dir_size``, ``maxrss_mb``,
``proc_memory``) and where a run happens (``work_folder``, ``machine``, ``code_label``)
are shared with ``bench/import_bench.py``. The steps (``measure_*``) each build or ask
one engine, log what they do and return their numbers; ``tabulate`` turns the query
timings into the results' rows.
"""

from __future__ import annotations

import gc
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from portal.search.analyzer import analyzer
from portal.search.index import SearchIndex
from portal.search.query import FILTERS, build_query

from . import ROOT
from .corpus import BenchPub, make_corpus
from .engines import (
    Answer,
    Server,
    api_params,
    app_overrides,
    build_fts,
    create_whoosh,
    fill_whoosh,
    fts_jieba_expr,
    fts_match_answer,
    http_answer,
    jieba_tokens,
    make_app,
    make_database,
    snippets_for,
    trigram_expr,
    trigram_like_answer,
    whoosh_answer,
    whoosh_counts,
)
from .queries import QuerySpec
from .report import log

if TYPE_CHECKING:
    from flask import Flask

T = TypeVar("T")

# --- primitives ----------------------------------------------------------------------------

def pct(values: Sequence[float], p: float) -> float:
    """The p-th percentile (nearest rank), in the unit of ``values``."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


def summary(ms: Sequence[float]) -> dict[str, float]:
    """p50, p95, p99, mean and max of ``ms``."""
    return {"p50": pct(ms, 50), "p95": pct(ms, 95), "p99": pct(ms, 99),
            "mean": statistics.fmean(ms) if ms else float("nan"), "max": max(ms) if ms else 0.0}


def timed(step: Callable[[], T]) -> tuple[T, float]:
    """What ``step()`` returns, and its wall time in seconds."""
    started = time.perf_counter()
    value = step()
    return value, time.perf_counter() - started


def dir_size(path: Path) -> int:
    """Bytes of the files under ``path``."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def maxrss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident memory of this process (or of its largest child), in MB."""
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: kilobytes


def proc_memory() -> dict[str, float]:
    """Resident memory split by kind, in MB (RssAnon is what a worker does not share)."""
    out: dict[str, float] = {}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem"):
                out[key] = int(rest.split()[0]) / 1024
        for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("Private_Clean", "Private_Dirty", "Pss"):
                out[key] = int(rest.split()[0]) / 1024
    except OSError:
        pass
    return out


# --- where a run happens -------------------------------------------------------------------

@contextmanager
def work_folder(given: Path | None, prefix: str, keep: bool) -> Iterator[Path]:
    """``given`` or a new folder under /tmp, removed at the end unless ``keep``."""
    workdir = given or Path(tempfile.mkdtemp(prefix=prefix))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        yield workdir
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)


def machine() -> str:
    """The cores and the load when a run starts (other jobs share the machine)."""
    return f"{os.cpu_count()} cores shared with other jobs (load {os.getloadavg()[0]:.1f} at start)"


def code_label() -> str:
    """The commit measured, and whether ``portal/`` differs from it."""
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "portal"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except OSError:
        return ""
    return head + (" (portal/ modified)" if dirty else "")


# --- the queries, timed --------------------------------------------------------------------

@dataclass
class Run:
    """One method's answers to the query list: the time and the ids of each."""

    ms: list[float] = field(default_factory=list)
    hits: list[list[int]] = field(default_factory=list)

    @property
    def zero(self) -> int:
        """How many queries had no hit."""
        return sum(1 for h in self.hits if not h)


def run_queries(specs: list[QuerySpec], answer: Answer, warmup: int = 10) -> Run:
    """Each query answered once and timed, after the first ``warmup`` are run untimed."""
    for spec in specs[:warmup]:
        answer(spec)
    run = Run()
    for spec in specs:
        t = time.perf_counter()
        ids = answer(spec)
        run.ms.append((time.perf_counter() - t) * 1000)
        run.hits.append(ids)
    return run


# --- the steps -----------------------------------------------------------------------------

def measure_corpus(n: int, seed: int) -> tuple[list[BenchPub], dict[str, float]]:
    """The corpus, the time it takes to generate and its size in characters."""
    pubs, seconds = timed(lambda: make_corpus(n, seed))
    chars = sum(len(p.title) + len(p.letter) + len(p.reply) for p in pubs)
    res = {"seconds": seconds, "chars": chars,
           "letter_chars_mean": statistics.fmean(len(p.letter) for p in pubs),
           "reply_chars_mean": statistics.fmean(len(p.reply) for p in pubs)}
    log(f"corpus: {n:,} replies, {chars / 1e6:.1f} M characters "
        f"(letters ≈ {res['letter_chars_mean']:.0f}, replies ≈ "
        f"{res['reply_chars_mean']:.0f} characters)")
    return pubs, res


def measure_whoosh_build(pubs: list[BenchPub], folder: Path, procs: int, limitmb: int
                         ) -> dict[str, Any]:
    """The portal's index of ``pubs`` built in ``folder``: time, size, docs, segments."""
    log("building the Whoosh index (portal schema, analyzer and document_for)")
    ix = create_whoosh(folder)
    _, seconds = timed(lambda: fill_whoosh(ix, pubs, procs, limitmb))
    docs, segments = whoosh_counts(folder)
    res = {"seconds": seconds, "bytes": dir_size(folder), "docs": docs, "segments": segments,
           "procs": procs, "limitmb": limitmb}
    log(f"  built in {seconds:.1f} s, {res['bytes'] / 2**20:.1f} MB, {docs} docs")
    return res


def measure_whoosh_search(folder: Path, specs: list[QuerySpec], by_id: dict[int, BenchPub],
                          breakdown: bool) -> tuple[Run, dict[str, Any]]:
    """Opening a searcher, the queries in-process and, with ``breakdown``, each step."""
    opens = []
    for _ in range(5):
        t = time.perf_counter()
        SearchIndex(folder).searcher()
        opens.append((time.perf_counter() - t) * 1000)
    res: dict[str, Any] = {"searcher_open_ms": summary(opens)}
    index = SearchIndex(folder)
    log("queries: Whoosh in-process")
    run = run_queries(specs, whoosh_answer(index, by_id))
    if breakdown:
        res["breakdown"] = whoosh_breakdown(index, specs, by_id)
    return run, res


def whoosh_breakdown(index: SearchIndex, specs: list[QuerySpec], by_id: dict[int, BenchPub]
                     ) -> dict[str, dict[str, float]]:
    """Where one search's time goes (each step timed on its own, same queries)."""
    parts: dict[str, list[float]] = {k: [] for k in (
        "build_query (jieba + synonyms)", "filter mask (cached)", "score + top 10 + count",
        "stored ids", "highlight (app code)")}
    scorer = index.scorer()
    for spec in specs:
        t0 = time.perf_counter()
        query = build_query(spec.text)
        t1 = time.perf_counter()
        flt = index.filter_mask(scorer, {k: v for k, v in spec.filters.items()
                                         if v and k in FILTERS})
        t2 = time.perf_counter()
        if query is None:
            continue
        docnums, _ = scorer.top(query, 10, flt, spec.newest)
        t3 = time.perf_counter()
        ids = [int(scorer.stored(d)["id"]) for d in docnums]
        t4 = time.perf_counter()
        snippets_for(ids, by_id, spec.text)
        t5 = time.perf_counter()
        for key, a, b in zip(parts, (t0, t1, t2, t3, t4), (t1, t2, t3, t4, t5), strict=True):
            if key == "filter mask (cached)" and flt is None:
                continue
            parts[key].append((b - a) * 1000)
    return {k: summary(v) for k, v in parts.items() if v}


def measure_fts5(pubs: list[BenchPub], by_id: dict[int, BenchPub], specs: list[QuerySpec],
                 workdir: Path) -> tuple[dict[str, Run], dict[str, Any]]:
    """Both FTS5 databases built in ``workdir`` and the queries asked of the three methods.

    The jieba tokens are cached per run of CJK/alphanumerics (exact, checked on a sample);
    the uncached segmentation time is estimated from the sample."""
    log("building FTS5 over jieba tokens (unicode61)")
    sample = pubs[:: max(1, len(pubs) // 100)]
    for p in sample[:50]:  # the per-run cache is exact
        assert jieba_tokens(p.reply) == " ".join(t.text for t in analyzer()(p.reply))
    _, segmentation = timed(lambda: [" ".join(t.text for t in analyzer()(p.title + p.letter + p.reply))
                                     for p in sample])
    seg_per_doc = segmentation / len(sample)
    conn_j, build_j = timed(lambda: build_fts(workdir / "fts_jieba.db", "unicode61", pubs,
                                              jieba_tokens))
    res: dict[str, Any] = {"fts_jieba_build": {
        "seconds": build_j, "uncached_segmentation_s_estimate": seg_per_doc * len(pubs)}}
    log(f"  built in {build_j:.1f} s (segmentation cached per clause; uncached it would "
        f"add ≈ {seg_per_doc * len(pubs):.0f} s of jieba)")
    log("building FTS5 trigram")
    conn_t, build_t = timed(lambda: build_fts(workdir / "fts_trigram.db", "trigram", pubs,
                                              lambda s: s))
    res["fts_trigram_build"] = {"seconds": build_t}
    for c in (conn_j, conn_t):
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        c.execute("ANALYZE")
    log("queries: FTS5")
    runs = {
        "FTS5 jieba": run_queries(specs, fts_match_answer(conn_j, by_id, fts_jieba_expr)),
        "FTS5 trigram": run_queries(specs, fts_match_answer(conn_t, by_id, trigram_expr)),
        "FTS5 trigram + LIKE": run_queries(specs, trigram_like_answer(conn_t, by_id)),
    }
    res["fts_sizes"] = {"jieba": (workdir / "fts_jieba.db").stat().st_size,
                        "trigram": (workdir / "fts_trigram.db").stat().st_size}
    return runs, res


def measure_app(pubs: list[BenchPub], specs: list[QuerySpec], workdir: Path, index_dir: Path,
                publishes: int, seed: int, script: Path, worker_specs: list[QuerySpec]
                ) -> tuple[Run, dict[str, Any]]:
    """The real app on a database holding ``pubs`` and the index in ``index_dir``: the
    queries over HTTP, ``publishes`` new replies published until found, then a fresh
    worker (``script --probe-worker``) answering ``worker_specs``."""
    log("the real app: migrating a temporary SQLite database and inserting the publications")
    overrides = app_overrides(workdir, index_dir)
    app = make_app(overrides)
    schema, seconds = timed(lambda: make_database(app, pubs))
    res: dict[str, Any] = {"database": {"seconds": seconds, "schema": schema}}
    log(f"  database ready in {seconds:.1f} s ({schema})")
    server = Server(app)
    try:
        errors: list[str] = []
        log(f"queries: over HTTP ({server.base}/api/search)")
        run = run_queries(specs, http_answer(server, errors))
        res["http_errors"] = errors
        log("publishing new replies and polling /api/search until each is found")
        res["publishing"] = measure_publishing(app, server, pubs, publishes, seed)
    finally:
        server.close()
    log("a fresh web worker: memory after 200 searches")
    res["worker"] = measure_worker(script, workdir, overrides, worker_specs)
    return run, res


def measure_publishing(app: Flask, server: Server, pubs: list[BenchPub], count: int,
                       seed: int) -> dict[str, Any]:
    """Publish ``count`` new replies the way the portal does (redact, one transaction
    with its outbox row), apply the outbox to the index (``SearchIndex.sync``), and poll
    ``/api/search`` until the new reply is the newest hit."""
    from portal.cases.models import Case
    from portal.cases.workflow import Status
    from portal.db import db, utcnow
    from portal.privacy.redact import redact
    from portal.search.index import search_index
    from portal.wall.models import Publication, SearchOutbox

    rng = random.Random(seed + 2)
    out: dict[str, list[float]] = {"redact_ms": [], "db_commit_ms": [], "publish_ms": [],
                                   "index_apply_ms": [], "commit_to_searchable_ms": []}
    misses = 0
    with app.app_context():
        index = search_index()  # the very object the HTTP worker searches with
        next_id = max(p.id for p in pubs) + 1
        for k in range(count):
            src = rng.choice(pubs)
            marker = f"benchmark{k:04d}x"  # one token of its own, unknown to the corpus
            letter = src.letter + f"我叫张伟，手机13912345678，身份证号110101199003074514。{marker}"
            t0 = time.perf_counter()
            names = ["张伟"]
            title = redact(f"{marker} {src.title}", names).text[:200]
            letter = redact(letter, names).text
            reply = redact(src.reply, names).text
            t1 = time.perf_counter()
            session = db.new_session(app)
            try:
                now = utcnow()
                case = Case(id=next_id + k, tracking_code=f"BENCHNEW{k:06d}", channel=src.channel,
                            kind=src.kind, status=Status.CLOSED, title=src.title,
                            content=src.letter, consent_publish=True, replied_at=now,
                            closed_at=now, submitted_at=src.submitted_at)
                pub = Publication(case=case, title=title, letter=letter, reply=reply,
                                  citizen_label=src.citizen_label,
                                  department_name=src.department_name,
                                  category_name=src.category_name, kind=src.kind,
                                  channel=src.channel, submitted_at=src.submitted_at,
                                  replied_at=now, is_public=True)
                session.add(pub)
                session.flush()
                session.add(SearchOutbox(publication_id=pub.id, op="index"))
                session.commit()
                t2 = time.perf_counter()
                new_id = pub.id
                index.sync(session)
                t3 = time.perf_counter()
            finally:
                session.close()
            found = False
            deadline = t2 + 10.0
            while time.perf_counter() < deadline:
                status, body = server.get_json("/api/search", {"q": marker, "per_page": 10})
                if status == 200 and body and any(r["id"] == new_id for r in body["results"]):
                    found = True
                    break
            t4 = time.perf_counter()
            if not found:
                misses += 1
            out["redact_ms"].append((t1 - t0) * 1000)
            out["db_commit_ms"].append((t2 - t1) * 1000)
            out["publish_ms"].append((t2 - t0) * 1000)
            out["index_apply_ms"].append((t3 - t2) * 1000)
            out["commit_to_searchable_ms"].append((t4 - t2) * 1000)
    result: dict[str, Any] = {k: summary(v) for k, v in out.items()}
    result["count"] = count
    result["not_found_within_10s"] = misses
    return result


# --- a fresh web worker's memory -----------------------------------------------------------

def probe_worker(config_path: str) -> None:
    """Run in a child process: the app alone (no corpus in memory) answers the queries;
    print its memory before and after as JSON on the last line."""
    cfg = json.loads(Path(config_path).read_text())
    stages: dict[str, Any] = {}
    app = make_app(cfg["overrides"])
    client = app.test_client()
    stages["after create_app"] = proc_memory()
    specs = [QuerySpec(**s) for s in cfg["queries"]]
    t = time.perf_counter()
    status = client.get("/api/search", query_string=api_params(specs[0])).status_code
    stages["first search ms"] = (time.perf_counter() - t) * 1000
    stages["first search status"] = status
    stages["after first search"] = proc_memory()
    for spec in specs:
        client.get("/api/search", query_string=api_params(spec))
    stages["after all queries"] = proc_memory()
    gc.collect()
    print(json.dumps(stages, ensure_ascii=False))


def measure_worker(script: Path, workdir: Path, overrides: dict[str, Any],
                   specs: list[QuerySpec]) -> dict[str, Any]:
    """``probe_worker`` in a child process (``script --probe-worker``): its memory."""
    cfg = workdir / "probe.json"
    cfg.write_text(json.dumps({"overrides": overrides, "queries": [asdict(s) for s in specs]},
                              ensure_ascii=False))
    proc = subprocess.run([sys.executable, str(script), "--probe-worker", str(cfg)],
                          capture_output=True, text=True, timeout=600, cwd=str(ROOT))
    if proc.returncode != 0:
        return {"error": proc.stderr[-2000:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --- the results ---------------------------------------------------------------------------

def tabulate(res: dict[str, Any], runs: dict[str, Run], specs: list[QuerySpec]
             ) -> dict[str, Any]:
    """The results of the queries: a row per method (with its build from ``res``), how
    often Whoosh and FTS5-jieba agree, percentiles by kind of query, each query's time
    and hits, and the queries with no hit."""
    out: dict[str, Any] = {"runs": {}}
    for name, run in runs.items():
        row = summary(run.ms) | {"zero": run.zero}
        if name == "Whoosh in-process":
            row |= {"build_s": res["whoosh_build"]["seconds"],
                    "size_mb": res["whoosh_build"]["bytes"] / 2**20}
        elif name == "FTS5 jieba":
            row |= {"build_s": res["fts_jieba_build"]["seconds"],
                    "size_mb": res["fts_sizes"]["jieba"] / 2**20}
        elif name == "FTS5 trigram":
            row |= {"build_s": res["fts_trigram_build"]["seconds"],
                    "size_mb": res["fts_sizes"]["trigram"] / 2**20}
        out["runs"][name] = row
    if "FTS5 jieba" in runs:
        wh, fj = runs["Whoosh in-process"], runs["FTS5 jieba"]
        newest = [i for i, s in enumerate(specs) if s.newest]
        out["agreement"] = {
            "total": len(newest),
            "same": sum(1 for i in newest if wh.hits[i] == fj.hits[i]),
            "whoosh_only_zero": [specs[i].text for i in range(len(specs))
                                 if not wh.hits[i] and fj.hits[i]],
            "fts_only_zero": [specs[i].text for i in range(len(specs))
                              if wh.hits[i] and not fj.hits[i]],
        }
    kinds: dict[str, Callable[[QuerySpec], bool]] = {
        "relevance, no filter": lambda q: not q.newest and not q.filters,
        "relevance, filtered": lambda q: not q.newest and bool(q.filters),
        "newest first": lambda q: q.newest}
    out["by_kind"] = {name: {kind: summary([run.ms[i] for i, q in enumerate(specs) if test(q)])
                             | {"count": sum(1 for q in specs if test(q))}
                             for kind, test in kinds.items()} for name, run in runs.items()}
    out["per_query"] = [{"text": q.text, "filters": q.filters, "newest": q.newest,
                         **{name: {"ms": round(run.ms[i], 2), "hits": len(run.hits[i])}
                            for name, run in runs.items()}} for i, q in enumerate(specs)]
    out["zero_hit_queries"] = {name: [specs[i].text for i, h in enumerate(run.hits) if not h]
                               for name, run in runs.items()}
    return out
