"""The engines: each way of answering a query, built over the corpus.

* the portal's own Whoosh path: its schema, analyzer and ``document_for`` to build the
  index, ``search_ids`` and the highlighted snippets to answer;
* SQLite FTS5 over the same analyzer's jieba tokens (``unicode61``), FTS5 ``trigram``,
  and trigram with ``LIKE`` for words shorter than three characters;
* the real app (``create_app`` on a SQLite database holding the same publications)
  answering ``GET /api/search`` over HTTP.

Every engine answers a ``QuerySpec`` with the ids of its top 10 (an ``Answer``). Nothing
here is timed: ``measure`` does that.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jieba
from flask import Flask
from flask.ctx import AppContext
from whoosh import index as whoosh_index
from whoosh.index import FileIndex

from config import Config
from portal.chinese import load_dictionary
from portal.search.analyzer import analyzer, synonym_groups, terms
from portal.search.index import SearchIndex, document_for, make_schema
from portal.search.query import FILTERS, highlight_terms, query_words, search_ids, snippet

from .corpus import BenchPub
from .queries import QuerySpec
from .report import log, progress

if TYPE_CHECKING:
    from flask import Flask

Answer = Callable[[QuerySpec], list[int]]
"""An engine's answer to one query: the ids of its top 10 (snippets cut, not kept)."""


def load_analyzer() -> None:
    """jieba quiet, the city's dictionary and the portal's analyzer loaded before anything
    is timed."""
    jieba.setLogLevel(60)
    load_dictionary()
    analyzer()


# --- Whoosh, the portal's own path ---------------------------------------------------------

def city_context() -> AppContext:
    """An app context carrying the portal's time zone: ``document_for`` files each reply
    under the city's year, which it reads from the app's configuration."""
    app = Flask("searchbench")
    app.config["TIMEZONE"] = Config.TIMEZONE
    return app.app_context()


def create_whoosh(folder: Path) -> FileIndex:
    """An empty index with the portal's schema in a new ``folder``."""
    folder.mkdir(parents=True)
    return whoosh_index.create_in(str(folder), make_schema())


def fill_whoosh(ix: FileIndex, pubs: list[BenchPub], procs: int, limitmb: int) -> None:
    """Add ``pubs`` with the portal's ``document_for``, as ``flask search rebuild`` does."""
    if procs > 1:
        writer = ix.writer(procs=procs, multisegment=True, limitmb=limitmb)
    else:
        writer = ix.writer(limitmb=limitmb)
    tick = progress("whoosh add_document", len(pubs))
    for i, pub in enumerate(pubs, 1):
        writer.add_document(**document_for(pub))  # the portal's own document function
        tick(i)
    log("  whoosh: committing (waiting for the sub-writers)")
    writer.commit()


def whoosh_counts(folder: Path) -> tuple[int, int]:
    """Documents and segments of the index in ``folder``."""
    ix = whoosh_index.open_dir(str(folder))
    with ix.searcher() as s:
        docs = s.doc_count()
    return docs, len(ix._segments())  # noqa: SLF001 - a benchmark may look inside


def choose_source(pub: BenchPub, marks: list[str]) -> str:
    """The text a snippet is cut from: the reply if it holds a hit, else the letter
    (the same rule as ``portal.wall.views.run_search``)."""
    reply = pub.reply.lower()
    return pub.reply if any(m.lower() in reply for m in marks) else pub.letter


def snippets_for(ids: Iterable[int], by_id: dict[int, BenchPub], text: str) -> list[str]:
    """The highlighted snippets of the hits ``ids``, as the API returns them."""
    marks = highlight_terms(text)
    return [str(snippet(choose_source(by_id[i], marks), marks)) for i in ids if i in by_id]


def whoosh_answer(index: SearchIndex, by_id: dict[int, BenchPub]) -> Answer:
    """``search_ids`` on ``index`` (one searcher for the process, as in a worker), then
    the snippets."""
    def answer(spec: QuerySpec) -> list[int]:
        hits = search_ids(index, spec.text, spec.filters, 1, 10, spec.newest)
        snippets_for(hits.ids, by_id, spec.text)
        return hits.ids
    return answer


# --- SQLite FTS5 ---------------------------------------------------------------------------

_RE_HAN = jieba.re_han_default


@lru_cache(maxsize=400_000)
def _block_tokens(block: str) -> str:
    return " ".join(t.text for t in analyzer()(block))


def jieba_tokens(text: str) -> str:
    """The portal analyzer's tokens of ``text`` (jieba search mode, lowercased, the same
    stop words), joined by spaces. jieba segments each run of CJK/alphanumerics on its
    own, so caching per run gives exactly ``analyzer()(text)``; checked on a sample."""
    out = []
    for i, block in enumerate(_RE_HAN.split(text)):
        if i % 2 and block:
            tok = _block_tokens(block)
            if tok:
                out.append(tok)
    return " ".join(out)


def _fts_quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def fts_jieba_expr(text: str) -> str | None:
    """The FTS5 query with the same meaning as ``portal.search.query.build_query``:
    every word must match, through any synonym, or through all of its parts."""
    groups = []
    for word in query_words(text):
        options = []
        for variant in synonym_groups().get(word, (word,)):
            toks = terms(variant)
            low = variant.lower()
            if low in toks or not toks:
                options.append(_fts_quote(low))
            parts = [t for t in toks if t != low]
            if parts and low not in toks:
                options.append("(" + " AND ".join(_fts_quote(p) for p in parts) + ")")
        groups.append("(" + " OR ".join(options or [_fts_quote(word)]) + ")")
    return " AND ".join(groups) if groups else None


def build_fts(path: Path, tokenizer: str, pubs: list[BenchPub],
              text_of: Callable[[str], str]) -> sqlite3.Connection:
    """A new database at ``path`` holding ``pubs``: a ``docs`` table for the filters and
    the order, an FTS5 table (title, body, reply) with ``tokenizer`` and each text through
    ``text_of`` (tokens joined by spaces, or the raw text)."""
    conn = sqlite3.connect(str(path), check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE docs (id INTEGER PRIMARY KEY, department TEXT, category TEXT, "
                 "kind TEXT, channel TEXT, year TEXT, replied INTEGER)")
    conn.execute(f"CREATE VIRTUAL TABLE fts USING fts5(title, body, reply, tokenize='{tokenizer}')")
    tick = progress("fts insert", len(pubs))
    batch: list[tuple[Any, ...]] = []
    meta: list[tuple[Any, ...]] = []
    for i, p in enumerate(pubs, 1):
        doc = document_for(p)
        meta.append((p.id, doc["department"], doc["category"], doc["kind"], doc["channel"],
                     doc["year"], doc["replied"]))
        body = f"{p.letter}\n{p.department_name}\n{p.category_name}"  # as the portal's "letter" part
        batch.append((p.id, text_of(p.title), text_of(body), text_of(p.reply)))
        if len(batch) >= 2000 or i == len(pubs):
            conn.executemany("INSERT INTO docs VALUES (?,?,?,?,?,?,?)", meta)
            conn.executemany("INSERT INTO fts(rowid, title, body, reply) VALUES (?,?,?,?)", batch)
            conn.commit()
            batch, meta = [], []
        tick(i)
    conn.execute("CREATE INDEX ix_docs_replied ON docs(replied)")
    conn.commit()
    return conn


def _filter_sql(spec: QuerySpec) -> tuple[str, list[str]]:
    where, args = [], []
    for key in FILTERS:
        if spec.filters.get(key):
            where.append(f"docs.{key} = ?")
            args.append(spec.filters[key])
    return "".join(f" AND {w}" for w in where), args


BM25 = "bm25(fts, 3.0, 1.0, 1.5)"  # title, body (letter), reply: the Whoosh field boosts


def fts_match_answer(conn: sqlite3.Connection, by_id: dict[int, BenchPub],
                     expr_of: Callable[[str], str | None]) -> Answer:
    """FTS5 ``MATCH`` of ``expr_of(text)``, ranked by BM25 or newest first."""
    def answer(spec: QuerySpec) -> list[int]:
        expr = expr_of(spec.text)
        if expr is None:
            return []
        flt, args = _filter_sql(spec)
        order = "docs.replied DESC" if spec.newest else BM25
        sql = (f"SELECT fts.rowid FROM fts JOIN docs ON docs.id = fts.rowid "  # noqa: S608
               f"WHERE fts MATCH ?{flt} ORDER BY {order} LIMIT 10")
        try:
            ids = [r[0] for r in conn.execute(sql, [expr, *args])]
        except sqlite3.OperationalError:
            ids = []
        snippets_for(ids, by_id, spec.text)
        return ids
    return answer


def trigram_expr(text: str) -> str | None:
    """FTS5 trigram MATCH: each word (or a synonym) as a substring; words shorter
    than three characters can match nothing, by design of the tokenizer."""
    groups = []
    for word in query_words(text):
        variants = synonym_groups().get(word, (word,))
        groups.append("(" + " OR ".join(_fts_quote(v.lower()) for v in variants) + ")")
    return " AND ".join(groups) if groups else None


def trigram_like_answer(conn: sqlite3.Connection, by_id: dict[int, BenchPub]
                        ) -> Answer:
    """Trigram MATCH for words of 3+ characters, LIKE '%w%' (a scan) for shorter ones."""
    def answer(spec: QuerySpec) -> list[int]:
        words = query_words(spec.text)
        if not words:
            return []
        long_groups, like_sql, like_args = [], [], []
        for word in words:
            variants = [v.lower() for v in synonym_groups().get(word, (word,))]
            if all(len(v) >= 3 for v in variants):
                long_groups.append("(" + " OR ".join(_fts_quote(v) for v in variants) + ")")
            else:
                ors = []
                for v in variants:
                    pattern = "%" + v.replace("%", "").replace("_", "") + "%"
                    ors.append("(fts.title LIKE ? OR fts.body LIKE ? OR fts.reply LIKE ?)")
                    like_args += [pattern] * 3
                like_sql.append("(" + " OR ".join(ors) + ")")
        flt, args = _filter_sql(spec)
        where, params = [], []
        if long_groups:
            where.append("fts MATCH ?")
            params.append(" AND ".join(long_groups))
        where += like_sql
        params += like_args
        order = "docs.replied DESC" if spec.newest else (BM25 if long_groups else "fts.rowid DESC")
        sql = (f"SELECT fts.rowid FROM fts JOIN docs ON docs.id = fts.rowid WHERE "  # noqa: S608
               f"{' AND '.join(where)}{flt} ORDER BY {order} LIMIT 10")
        try:
            ids = [r[0] for r in conn.execute(sql, params + args)]
        except sqlite3.OperationalError:
            ids = []
        snippets_for(ids, by_id, spec.text)
        return ids
    return answer


# --- the real app, over HTTP ---------------------------------------------------------------

def app_overrides(workdir: Path, index_dir: Path) -> dict[str, Any]:
    """The app's settings for the bench: everything in ``workdir``, the built index."""
    return {
        "INSTANCE_DIR": str(workdir / "instance"),
        "DATABASE_URL": f"sqlite:///{workdir / 'portal.db'}",
        "SEARCH_INDEX_DIR": str(index_dir),
        "SEARCH_DISPATCH": "off",   # the bench applies the outbox itself, and times it
        "OUTBOX_DISPATCH": "off",
        "RATELIMIT_ENABLED": False,  # /api/search allows 120 a minute per client
        "SECRET_KEY": "bench-" + "x" * 40,
    }


def make_app(overrides: dict[str, Any]) -> Flask:
    """The real app, with ``overrides`` for its settings, logging errors only."""
    from portal import create_app

    app = create_app(overrides)
    for name in ("portal", "werkzeug", "alembic", "flask_limiter"):
        logging.getLogger(name).setLevel(logging.ERROR)
    return app


def make_database(app: Flask, pubs: list[BenchPub]) -> str:
    """Migrate a fresh SQLite database and bulk-insert one closed case per publication;
    how the schema was made (``alembic``, or ``create_all`` if migrating failed)."""
    import portal.models  # noqa: F401  (complete metadata)
    from portal.cases.models import Case
    from portal.cases.workflow import Status
    from portal.db import Base, db, upgrade_database
    from portal.wall.models import Publication

    with app.app_context():
        try:
            upgrade_database(app)
            how = "alembic"
        except Exception as exc:  # another session may be editing migrations right now
            log(f"  alembic upgrade failed ({exc!r}); creating tables from the models")
            Base.metadata.create_all(db.engine)
            how = "create_all"
        cases, pubt = Case.__table__, Publication.__table__
        tick = progress("database insert", len(pubs))
        with db.engine.begin() as conn:
            for lo in range(0, len(pubs), 5000):
                chunk = pubs[lo:lo + 5000]
                conn.execute(cases.insert(), [{
                    "id": p.id, "tracking_code": f"BENCH{p.id:09d}", "channel": p.channel,
                    "kind": p.kind, "status": Status.CLOSED, "title": p.title,
                    "content": "（基准测试数据，原文从略）", "consent_publish": True,
                    "reopen_count": 0, "submitted_at": p.submitted_at, "updated_at": p.replied_at,
                    "replied_at": p.replied_at, "closed_at": p.replied_at,
                    "adoption": p.adoption, "satisfaction": p.satisfaction,
                } for p in chunk])
                conn.execute(pubt.insert(), [{
                    "id": p.id, "case_id": p.id, "title": p.title, "letter": p.letter,
                    "reply": p.reply, "citizen_label": p.citizen_label,
                    "department_name": p.department_name, "category_name": p.category_name,
                    "kind": p.kind, "channel": p.channel, "adoption": p.adoption,
                    "satisfaction": p.satisfaction, "submitted_at": p.submitted_at,
                    "replied_at": p.replied_at, "is_public": True, "published_at": p.replied_at,
                    "withdrawn_at": None,
                } for p in chunk])
                tick(lo + len(chunk))
    return how


class Server:
    """The real app under werkzeug on 127.0.0.1 (an ephemeral port), in a thread."""

    def __init__(self, app: Flask) -> None:
        from werkzeug.serving import make_server

        self.srv = make_server("127.0.0.1", 0, app, threaded=False)
        self.base = f"http://127.0.0.1:{self.srv.server_port}"
        self.thread = threading.Thread(target=self.srv.serve_forever, daemon=True)
        self.thread.start()

    def get_json(self, path: str, params: dict[str, Any], timeout: float = 30.0
                 ) -> tuple[int, Any]:
        url = f"{self.base}{path}?{urllib.parse.urlencode(params)}"
        try:
            with urllib.request.urlopen(url, timeout=timeout) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            return exc.code, None

    def close(self) -> None:
        self.srv.shutdown()
        self.thread.join(timeout=10)


def api_params(spec: QuerySpec) -> dict[str, Any]:
    """``spec`` as the query string of ``GET /api/search``."""
    params: dict[str, Any] = {"q": spec.text, "per_page": 10, **spec.filters}
    if spec.newest:
        params["sort"] = "newest"
    return params


def http_answer(server: Server, errors: list[str]) -> Answer:
    """``GET /api/search`` on ``server``; a failed request is noted in ``errors``."""
    def answer(spec: QuerySpec) -> list[int]:
        status, body = server.get_json("/api/search", api_params(spec))
        if status != 200 or body is None:
            errors.append(f"{status} {spec.text!r}")
            return []
        return [r["id"] for r in body["results"]]
    return answer
