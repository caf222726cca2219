"""Benchmark of the archive import and the index rebuild (issue 4, "Speed").

Writes N archived replies as JSON lines (the search benchmark's generator: realistic
letters and replies, deterministic), then runs the portal's real commands on a new
SQLite database, each in its own process, as an operator would:

* ``flask --app wsgi import-replies FILE`` with the default ``SEARCH_DISPATCH=thread``
  (redaction, cases, publications and outbox rows, then indexing once at the end);
* ``flask --app wsgi search rebuild`` (the index again, from the database alone).

    .venv/bin/python bench/import_bench.py --n 10000
    .venv/bin/python bench/import_bench.py --letter-chars 1000   # N=100,000, realistic letters

Reports wall time, CPU time (all of its processes: on a busy machine the steadier
figure), throughput and peak memory of each command. Everything is written
to a temporary folder (``--workdir``), removed at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from searchbench import ROOT
from searchbench.corpus import BenchPub, make_corpus
from searchbench.measure import dir_size, machine, work_folder
from searchbench.report import log


def record(p: BenchPub) -> dict[str, Any]:
    """``p`` as one line of an archive for ``flask import-replies``."""
    return {"external_id": f"BENCH-{p.id}", "title": p.title, "letter": p.letter,
            "reply": p.reply, "department": p.department_name, "category": p.category_name,
            "kind": p.kind.value, "channel": p.channel.value,
            "submitted_at": p.submitted_at.isoformat(), "replied_at": p.replied_at.isoformat(),
            "adoption": p.adoption.value if p.adoption else None,
            "satisfaction": p.satisfaction.value if p.satisfaction else None}


def flask(env: dict[str, str], *args: str) -> dict[str, Any]:
    """Run one CLI command; its wall time, peak memory and last line of output."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    before, cpu_before = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    last = (done.stdout.strip().splitlines() or [""])[-1]
    return {"seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime - cpu_before,
            "peak_rss_mb": max(usage.ru_maxrss, before) / 1024, "output": last}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="replies to import")
    parser.add_argument("--seed", type=int, default=20240604)
    parser.add_argument("--letter-chars", type=int, default=0,
                        help="letters of about this many characters (default: a few hundred)")
    parser.add_argument("--procs", type=int, default=os.cpu_count() or 1,
                        help="BATCH_PROCS for the commands")
    parser.add_argument("--workdir", type=Path, help="default: a new folder under /tmp")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    with work_folder(args.workdir, "portal-import-bench-", args.keep) as workdir:
        env = {**os.environ, "INSTANCE_DIR": str(workdir / "instance"),
               "SEARCH_INDEX_DIR": str(workdir / "search_index"), "SEARCH_DISPATCH": "thread",
               "OUTBOX_DISPATCH": "off", "BATCH_PROCS": str(args.procs)}
        env.pop("DATABASE_URL", None)
        res: dict[str, Any] = {"n": args.n, "procs": args.procs, "machine": machine()}
        log(f"work folder {workdir}; {res['machine']}")
        archive = workdir / "archive.jsonl"
        with archive.open("w", encoding="utf-8") as fh:
            lengths = ((args.letter_chars - 100, args.letter_chars + 100) if args.letter_chars
                       else (180, 380))
            for p in make_corpus(args.n, args.seed, lengths):
                fh.write(json.dumps(record(p), ensure_ascii=False) + "\n")
        log(f"archive: {args.n:,} lines, {archive.stat().st_size / 2**20:.0f} MB")
        res["letter_chars"] = args.letter_chars or "300 (default)"
        flask(env, "init-db")

        log("import-replies (redaction, database, then the index)")
        res["import"] = flask(env, "import-replies", str(archive))
        log(f"  {res['import']['seconds']:.0f} s: {res['import']['output']}")
        log("search rebuild")
        res["rebuild"] = flask(env, "search", "rebuild")
        log(f"  {res['rebuild']['seconds']:.0f} s: {res['rebuild']['output']}")
        res["index_mb"] = dir_size(workdir / "search_index") / 2**20

        print()
        for step, target in (("import", 10), ("rebuild", 5)):
            r = res[step]
            verdict = "met" if r["seconds"] <= target * 60 or args.n < 100_000 else "NOT met"
            scaled = r["seconds"] * 100_000 / args.n / 60
            print(f"{step:<8} {r['seconds'] / 60:6.1f} min for {args.n:,} "
                  f"({args.n / r['seconds']:.0f}/s; ≈ {scaled:.1f} min at 100,000; "
                  f"target ≤ {target} min{'' if args.n < 100_000 else ': ' + verdict}), "
                  f"CPU {r['cpu_seconds']:.0f} s in all processes, "
                  f"peak RSS {r['peak_rss_mb']:.0f} MB")
        print(f"index {res['index_mb']:.0f} MB, BATCH_PROCS={args.procs}, {res['machine']}")
        if args.json:
            args.json.write_text(json.dumps(res, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
