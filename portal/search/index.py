"""The Whoosh index: a disposable projection of the published echo wall.

Only this package imports Whoosh. The index holds public (redacted) text only and is
fed from ``search_outbox`` rows in order; each node keeps its own replica and its own
cursor (a file beside the index). ``rebuild`` recreates it from the database alone.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import mmap
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from whoosh import index as whoosh_index
from whoosh.fields import ID, NUMERIC, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import BufferFile, StructFile
from whoosh.index import EmptyIndexError, LockError
from whoosh.searching import Searcher

from portal.clock import local_year
from portal.db import utcnow
from portal.wall.models import Publication, SearchOutbox

from .analyzer import analyzer, weighted
from .arrays import ArrayCache
from .scoring import Scorer, make_scorer

CURSOR_FILE = "portal_cursor.json"
# What the documents mean beyond the schema's field names; an index written in another
# format is outdated (2: ``year`` is the city's local year, no longer UTC's; 3: the
# ``campaign`` field, a campaign's id, or "0" for a reply outside any campaign).
INDEX_FORMAT = 3
WRITER_TIMEOUT = 30.0  # seconds to wait for another process's writer lock
BATCH = 500
PARALLEL_SYNC_ROWS = 5000  # below this, starting writer processes costs more than it saves
FILTER_CACHE_SIZE = 64  # filter masks kept per searcher (100 KB each at 100,000 items)
ARRAY_CACHE_MB = 32  # decoded posting lists kept per process (config SEARCH_CACHE_MB)
# BM25F weights of a publication's parts, all in the one ``text`` field.
WEIGHTS = {"title": 3.0, "reply": 1.5, "letter": 1.0}


class SearchUnavailable(Exception):
    """The index is missing, locked, or damaged; the site goes on without search."""


def make_schema() -> Schema:
    """Only the id is stored: results are shown from the database's public copy."""
    return Schema(
        id=ID(stored=True, unique=True),
        text=TEXT(analyzer=analyzer(), phrase=False),  # jieba breaks phrase search anyway
        department=ID, category=ID, kind=ID, channel=ID, year=ID, campaign=ID,
        replied=NUMERIC(bits=64, sortable=True, signed=False),
    )


def is_outdated(schema: Schema, index_format: int = INDEX_FORMAT) -> bool:
    """Built with other fields or another format than this version's (``search sync``
    then rebuilds)."""
    return (sorted(schema.names()) != sorted(make_schema().names())
            or index_format != INDEX_FORMAT)


def document_for(p: Publication) -> dict[str, Any]:
    """The index document of a publication: public fields only, never personal data."""
    return {
        "id": str(p.id),
        "text": weighted([(p.title, WEIGHTS["title"]), (p.reply, WEIGHTS["reply"]),
                          (f"{p.letter}\n{p.department_name}\n{p.category_name}",
                           WEIGHTS["letter"])]),
        "department": p.department_name,
        "category": p.category_name,
        "kind": p.kind.value,
        "channel": p.channel.value,
        "year": str(local_year(p.replied_at)),
        "campaign": str(p.campaign_id or 0),
        "replied": int(p.replied_at.timestamp()),
    }


class _View:
    """A read-only file over a memoryview, without the copy ``BytesIO`` would make."""

    def __init__(self, buf: memoryview) -> None:
        self.buf, self.pos = buf, 0

    def read(self, size: int = -1) -> bytes:
        end = len(self.buf) if size is None or size < 0 else self.pos + size
        data = bytes(self.buf[self.pos:end])
        self.pos += len(data)
        return data

    def readline(self, size: int = -1) -> bytes:  # only pickle's text opcodes use it
        limit = len(self.buf) if size < 0 else min(len(self.buf), self.pos + size)
        end = self.pos
        while end < limit and self.buf[end] != 0x0A:
            end += 1
        return self.read(min(end + 1, limit) - self.pos)

    def seek(self, pos: int, whence: int = 0) -> int:
        self.pos = pos if whence == 0 else (self.pos + pos if whence == 1 else len(self.buf) + pos)
        return self.pos

    def tell(self) -> int:
        return self.pos

    def close(self) -> None:
        self.buf.release()


class _SharedBuffer(BufferFile):
    def __init__(self, buf: memoryview, name: str | None = None) -> None:
        self._buf, self._name, self.onclose = buf, name, None
        self.file = _View(buf)
        self.is_real = self.is_closed = False


class _MappedFile(StructFile):
    def subset(self, position: int, length: int, name: str | None = None) -> BufferFile:
        return _SharedBuffer(memoryview(self.file)[position:position + length], name)


class SharedMapStorage(FileStorage):
    """Index files read through a memory map that every worker process shares.

    Whoosh's own mmap mode copies each segment file into a private ``BytesIO`` when a
    searcher opens it, so every web worker holds the whole index in its own memory
    (140 MB at 100,000 replies); views on the map keep the pages shared in the page
    cache. Segment files are never rewritten in place, only replaced.
    """

    def __init__(self, path: str) -> None:
        super().__init__(path, supports_mmap=False)  # Whoosh's copying mode off

    def open_file(self, name: str, **kwargs: Any) -> StructFile:
        with open(os.path.join(self.folder, name), "rb") as fh:
            if os.fstat(fh.fileno()).st_size == 0:  # an empty file cannot be mapped
                return super().open_file(name, **kwargs)
            mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        return _MappedFile(mapped, name=name, **kwargs)


def open_index(path: str | Path) -> Any:
    """The Whoosh index in ``path``, read through ``SharedMapStorage``."""
    return SharedMapStorage(str(path)).open_index()


class SearchIndex:
    """One folder's index: its cached searcher, its cursor and its writers."""

    def __init__(self, path: str | Path, cache_mb: int = ARRAY_CACHE_MB,
                 scoring: str = "arrays") -> None:
        self.path, self.scoring = Path(path), scoring
        self._scorer: Scorer | None = None  # the current searcher's scorer
        self._cache = ArrayCache(cache_mb * 2**20)
        self._filters: dict[tuple[tuple[str, str], ...], np.ndarray] = {}
        self._lock = threading.Lock()

    # --- reading -----------------------------------------------------------------------

    def _open(self) -> Any:
        try:
            ix = open_index(self.path)
        except (EmptyIndexError, FileNotFoundError, OSError, ValueError, EOFError) as exc:
            raise SearchUnavailable(str(exc)) from exc
        except Exception as exc:  # a damaged file can raise nearly anything when unpickled
            raise SearchUnavailable(repr(exc)) from exc
        self._check(ix.schema)
        return ix

    def _check(self, schema: Schema) -> None:
        if is_outdated(schema, self._cursor_state()[1]):
            raise SearchUnavailable("the index was built by an older version: run search sync")

    def searcher(self) -> Searcher:
        """A searcher kept for the process, reopened only when the index changed."""
        return self.scorer().searcher

    def scorer(self) -> Scorer:
        """The current searcher's scorer (``scoring.make_scorer``), which ``query`` uses."""
        with self._lock:
            try:
                if self._scorer is None:
                    searcher = self._open().searcher()
                elif not self._scorer.searcher.up_to_date():
                    searcher = self._scorer.searcher.refresh()
                    self._check(searcher.schema)
                else:
                    return self._scorer
                self._scorer = make_scorer(searcher, self._cache, "text", "replied",
                                           self.scoring)
                self._filters = {}
            except SearchUnavailable:
                self._scorer = None
                raise
            except Exception as exc:
                self._scorer = None
                raise SearchUnavailable(repr(exc)) from exc
            return self._scorer

    def filter_mask(self, scorer: Scorer, filters: dict[str, str]) -> np.ndarray | None:
        """The documents matching every filter, cached for this searcher (a department
        or a year is asked for again and again)."""
        key = tuple(sorted(filters.items()))
        if not key:
            return None
        with self._lock:
            found = self._filters.get(key) if scorer is self._scorer else None
        if found is None:
            found = scorer.mask(dict(key))
            with self._lock:
                if scorer is self._scorer and len(self._filters) < FILTER_CACHE_SIZE:
                    self._filters[key] = found
        return found

    def state(self) -> str:
        """'ok', 'missing', 'outdated' or 'damaged', for /healthz."""
        try:
            if not whoosh_index.exists_in(str(self.path)):
                return "missing"
            self.searcher().doc_count()  # the cached searcher: no file is opened again
        except Exception:  # an older schema, or a garbage table of contents
            return "outdated" if self.outdated() else "damaged"
        return "ok"

    def outdated(self) -> bool:
        try:
            return is_outdated(open_index(self.path).schema, self._cursor_state()[1])
        except Exception:  # missing or damaged: not this question
            return False

    def doc_ids(self) -> list[int]:
        """The publication ids the committed index holds (``search check``)."""
        with self._open().reader() as reader:
            return sorted(int(fields["id"]) for _, fields in reader.iter_docs())

    # --- the cursor ----------------------------------------------------------------------
    # The last outbox row the committed index holds. It moves only after the index commit
    # that holds its rows, and only forward, under the node lock: a process killed at any
    # instant leaves a cursor at or behind the index, and the next sync re-applies the
    # difference (writing a publication again is harmless).

    def cursor(self) -> int:
        return self._cursor_state()[0]

    def _cursor_state(self, folder: Path | None = None) -> tuple[int, int]:
        """(last outbox id, index format); no file is a new, empty index."""
        try:
            state = json.loads(((folder or self.path) / CURSOR_FILE).read_text())
            return int(state["last_id"]), int(state.get("format", 1))
        except FileNotFoundError:
            return 0, INDEX_FORMAT
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return 0, 1  # unreadable: outdated, so that `search sync` rebuilds

    def _write_cursor(self, folder: Path, last_id: int) -> None:
        tmp = folder / (CURSOR_FILE + ".tmp")
        tmp.write_text(json.dumps({"last_id": last_id, "format": INDEX_FORMAT}))
        os.replace(tmp, folder / CURSOR_FILE)

    @contextmanager
    def _node_lock(self, timeout: float = WRITER_TIMEOUT) -> Iterator[None]:
        """Serialise this node's syncs and the rebuild's swap (threads and processes).

        The lock file sits beside the folder because a rebuild replaces the folder.
        """
        with open(self.path.with_name(self.path.name + ".lock"), "a") as fh:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise SearchUnavailable("the index is locked by another writer") from None
                    time.sleep(0.05)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def lag(self, session: Session) -> dt.timedelta | None:
        """How long the oldest outbox row this node has not applied has waited."""
        oldest = session.scalar(select(func.min(SearchOutbox.created_at))
                                .where(SearchOutbox.id > self.cursor()))
        return None if oldest is None else utcnow() - oldest

    # --- writing -------------------------------------------------------------------------

    def ensure(self) -> None:
        """Create an empty index if there is none (a new node, or a first start)."""
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            if not whoosh_index.exists_in(str(self.path)):
                whoosh_index.create_in(str(self.path), make_schema())
                self._write_cursor(self.path, 0)
        except Exception as exc:  # damaged: only `search rebuild` may replace it
            raise SearchUnavailable(repr(exc)) from exc

    def waiting(self, session: Session) -> int:
        """Outbox rows this node has not applied yet."""
        return session.scalar(select(func.count()).select_from(SearchOutbox)
                              .where(SearchOutbox.id > self.cursor())) or 0

    def sync(self, session: Session, procs: int = 1,
             progress: Callable[[int], None] | None = None) -> int:
        """Apply outbox rows after the cursor, in order; return how many were applied.

        Each publication touched since the cursor is written once, as the database has
        it now. ``procs`` > 1 segments text in that many processes when thousands wait
        (an import); a web worker's thread keeps to one (forking a threaded server is
        unsafe).
        """
        with self._node_lock():
            ix = self._open()
            try:
                if procs > 1 and self.waiting(session) >= PARALLEL_SYNC_ROWS:
                    writer = ix.writer(procs=procs, multisegment=True, limitmb=256,
                                       timeout=WRITER_TIMEOUT)
                else:
                    writer = ix.writer(timeout=WRITER_TIMEOUT)
            except LockError as exc:
                raise SearchUnavailable("the index is locked by another writer") from exc
            try:
                rows = session.execute(select(SearchOutbox.id, SearchOutbox.publication_id)
                                       .where(SearchOutbox.id > self.cursor())
                                       .order_by(SearchOutbox.id)).all()
                self._write(session, writer, [pid for _, pid in rows], progress)
                writer.commit()
            except BaseException:
                if not writer.is_closed:
                    writer.cancel()
                raise
            if rows:
                self._write_cursor(self.path, max(rows[-1].id, self.cursor()))
        return len(rows)

    @staticmethod
    def _write(session: Session, writer: Any, publication_ids: list[int],
               progress: Callable[[int], None] | None) -> None:
        """Write each publication once, as the database has it now."""
        touched = list(dict.fromkeys(publication_ids))
        for start in range(0, len(touched), BATCH):
            chunk = touched[start:start + BATCH]
            pubs = {p.id: p for p in session.scalars(
                select(Publication).where(Publication.id.in_(chunk)))}
            for publication_id in chunk:
                pub = pubs.get(publication_id)
                if pub is not None and pub.is_public:
                    writer.update_document(**document_for(pub))
                else:
                    writer.delete_by_term("id", str(publication_id))
            if progress:
                progress(len(chunk))

    def rebuild(self, session: Session, progress: Callable[[int], None] | None = None,
                procs: int = 1) -> int:
        """Build a fresh index from the database alone, then swap it in.

        With ``procs`` > 1, Whoosh segments the text in that many processes and keeps
        their segments (merging them would cost as much again).
        """
        start_cursor = session.scalar(select(func.max(SearchOutbox.id))) or 0
        fresh = self.path.with_name(self.path.name + ".rebuild")
        shutil.rmtree(fresh, ignore_errors=True)
        fresh.mkdir(parents=True)
        ix = whoosh_index.create_in(str(fresh), make_schema())
        writer = ix.writer(procs=procs, multisegment=procs > 1, limitmb=256)
        count = 0
        for pub in _public_publications(session):
            writer.add_document(**document_for(pub))
            count += 1
            if progress:
                progress(1)
        writer.commit()
        self._write_cursor(fresh, start_cursor)
        with self._node_lock(), self._lock:
            self._scorer = None
            self._filters = {}
            old = self.path.with_name(self.path.name + ".old")
            shutil.rmtree(old, ignore_errors=True)
            if self.path.exists():
                os.replace(self.path, old)
            os.replace(fresh, self.path)
            if (old / ".gitkeep").exists():  # the folder is kept empty in git
                (self.path / ".gitkeep").touch()
            shutil.rmtree(old, ignore_errors=True)
        self.sync(session)  # anything published while we were building
        return count


def _public_publications(session: Session) -> Iterator[Publication]:
    query = select(Publication).where(Publication.is_public).order_by(Publication.id)
    yield from session.scalars(query.execution_options(yield_per=1000))


_indexes: dict[tuple[str, str], SearchIndex] = {}  # by folder and SEARCH_SCORING
_indexes_lock = threading.Lock()


def search_index() -> SearchIndex:
    """The index of the current app's ``SEARCH_INDEX_DIR``, scored as its
    ``SEARCH_SCORING`` says (one object per folder and setting)."""
    config = current_app.config
    key = (str(Path(config["SEARCH_INDEX_DIR"]).resolve()), config["SEARCH_SCORING"])
    with _indexes_lock:
        if key not in _indexes:
            _indexes[key] = SearchIndex(key[0], config["SEARCH_CACHE_MB"], key[1])
        return _indexes[key]
