"""The Whoosh index: a disposable projection of the published echo wall.

Only this package imports Whoosh. The index holds public (redacted) text only and is
fed from ``search_outbox`` rows in order; each node keeps its own replica and its own
cursor (a file beside the index). ``rebuild`` recreates it from the database alone.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from whoosh import index as whoosh_index
from whoosh.fields import ID, NUMERIC, TEXT, Schema
from whoosh.index import EmptyIndexError, LockError
from whoosh.searching import Searcher

from portal.wall.models import Publication, SearchOutbox

from .analyzer import analyzer

CURSOR_FILE = "portal_cursor.json"
WRITER_TIMEOUT = 30.0  # seconds to wait for another process's writer lock
BATCH = 500


class SearchUnavailable(Exception):
    """The index is missing, locked, or damaged; the site goes on without search."""


def make_schema() -> Schema:
    text = analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        title=TEXT(analyzer=text, field_boost=3.0, phrase=False),
        reply=TEXT(analyzer=text, field_boost=1.5, phrase=False),
        body=TEXT(analyzer=text, phrase=False),
        department=ID, category=ID, kind=ID, channel=ID, year=ID,
        replied=NUMERIC(bits=64, sortable=True, signed=False),
    )


def is_public(publication: Publication) -> bool:
    """The one predicate of what the public may see, shared by the wall and the indexer."""
    return publication.is_public


def document_for(p: Publication) -> dict[str, Any]:
    """The index document of a publication: public fields only, never personal data."""
    return {
        "id": str(p.id),
        "title": p.title,
        "reply": p.reply,
        "body": f"{p.letter}\n{p.department_name}\n{p.category_name}",
        "department": p.department_name,
        "category": p.category_name,
        "kind": p.kind.value,
        "channel": p.channel.value,
        "year": str(p.replied_at.year),
        "replied": int(p.replied_at.timestamp()),
    }


class SearchIndex:
    """One folder's index: its cached searcher, its cursor and its writers."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._searcher: Searcher | None = None
        self._lock = threading.Lock()

    # --- reading -----------------------------------------------------------------------

    def _open(self) -> Any:
        try:
            return whoosh_index.open_dir(str(self.path))
        except (EmptyIndexError, FileNotFoundError, OSError, ValueError, EOFError) as exc:
            raise SearchUnavailable(str(exc)) from exc
        except Exception as exc:  # a damaged file can raise nearly anything when unpickled
            raise SearchUnavailable(repr(exc)) from exc

    def searcher(self) -> Searcher:
        """A searcher kept for the process, reopened only when the index changed."""
        with self._lock:
            try:
                if self._searcher is None:
                    self._searcher = self._open().searcher()
                elif not self._searcher.up_to_date():
                    self._searcher = self._searcher.refresh()
            except SearchUnavailable:
                self._searcher = None
                raise
            except Exception as exc:
                self._searcher = None
                raise SearchUnavailable(repr(exc)) from exc
            return self._searcher

    def state(self) -> str:
        """'ok', 'missing' or 'damaged', for /healthz."""
        try:
            if not whoosh_index.exists_in(str(self.path)):
                return "missing"
            self.searcher().doc_count()
        except Exception:  # a garbage table of contents raises Whoosh's own errors
            return "damaged"
        return "ok"

    # --- the cursor ----------------------------------------------------------------------

    def cursor(self) -> int:
        try:
            return int(json.loads((self.path / CURSOR_FILE).read_text())["last_id"])
        except (OSError, ValueError, KeyError, TypeError):
            return 0

    def _write_cursor(self, folder: Path, last_id: int) -> None:
        tmp = folder / (CURSOR_FILE + ".tmp")
        tmp.write_text(json.dumps({"last_id": last_id}))
        os.replace(tmp, folder / CURSOR_FILE)

    # --- writing -------------------------------------------------------------------------

    def ensure(self) -> None:
        """Create an empty index if there is none (a new node, or a first start)."""
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            if not whoosh_index.exists_in(str(self.path)):
                whoosh_index.create_in(str(self.path), make_schema())
        except Exception as exc:  # damaged: only `search rebuild` may replace it
            raise SearchUnavailable(repr(exc)) from exc

    def sync(self, session: Session) -> int:
        """Apply outbox rows after the cursor, in order; return how many were applied."""
        ix = self._open()
        try:
            writer = ix.writer(timeout=WRITER_TIMEOUT)
        except LockError as exc:
            raise SearchUnavailable("the index is locked by another writer") from exc
        applied = 0
        try:
            last = self.cursor()  # read under the lock: no two writers apply one row
            while True:
                rows = session.scalars(select(SearchOutbox).where(SearchOutbox.id > last)
                                       .order_by(SearchOutbox.id).limit(BATCH)).all()
                if not rows:
                    break
                ids = {r.publication_id for r in rows}
                pubs = {p.id: p for p in session.scalars(
                    select(Publication).where(Publication.id.in_(ids)))}
                for row in rows:
                    pub = pubs.get(row.publication_id)
                    if row.op == "index" and pub is not None and is_public(pub):
                        writer.update_document(**document_for(pub))
                    else:
                        writer.delete_by_term("id", str(row.publication_id))
                    last = row.id
                    applied += 1
            if applied:  # while the lock is held, so the cursor only moves forward
                self._write_cursor(self.path, last)
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        return applied

    def rebuild(self, session: Session, progress: Callable[[int], None] | None = None) -> int:
        """Build a fresh index from the database alone, then swap it in."""
        start_cursor = session.scalar(select(func.max(SearchOutbox.id))) or 0
        fresh = self.path.with_name(self.path.name + ".rebuild")
        shutil.rmtree(fresh, ignore_errors=True)
        fresh.mkdir(parents=True)
        ix = whoosh_index.create_in(str(fresh), make_schema())
        writer = ix.writer(procs=1, limitmb=256)
        count = 0
        for pub in _public_publications(session):
            writer.add_document(**document_for(pub))
            count += 1
            if progress:
                progress(1)
        writer.commit()
        self._write_cursor(fresh, start_cursor)
        with self._lock:
            self._searcher = None
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
    query = select(Publication).where(Publication.is_public.is_(True)).order_by(Publication.id)
    yield from session.scalars(query.execution_options(yield_per=1000))


_indexes: dict[str, SearchIndex] = {}
_indexes_lock = threading.Lock()


def search_index() -> SearchIndex:
    """The index of the current app's ``SEARCH_INDEX_DIR`` (one object per folder)."""
    path = str(Path(current_app.config["SEARCH_INDEX_DIR"]).resolve())
    with _indexes_lock:
        if path not in _indexes:
            _indexes[path] = SearchIndex(path)
        return _indexes[path]
