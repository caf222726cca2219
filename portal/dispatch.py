"""Run a projection's work after commits: mail delivery, search indexing.

Services mark the session (``mark_pending``) when they add outbox rows. After the
session commits, the worker runs, as the app's ``<NAME>_DISPATCH`` setting says: in
a background thread ("thread"), at once in the committing thread ("sync", tests), or
not at all ("off": a cron job or CLI command does the work).

A process that started the thread finishes the work before it exits (``drain``, run
at exit): a command-line verb that published or queued mail never leaves with the
thread's work half done; what still fails stays queued for the next run.
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

POLL_SECONDS = 60


def mark_pending(session: Session, name: str) -> None:
    session.info[f"portal.pending.{name}"] = True


class AfterCommitWorker:
    """One worker per app and projection; ``work(app)`` must be safe to run twice."""

    def __init__(self, app: Flask, name: str, mode_setting: str,
                 work: Callable[[Flask], Any]) -> None:
        self.app, self.name, self.mode_setting, self.work = app, name, mode_setting, work
        self._flag = f"portal.pending.{name}"
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._running = threading.Lock()  # one run at a time, so ``drain`` can wait for it
        sessionmaker = app.extensions["portal.db"]
        event.listen(sessionmaker, "after_commit", self._after_commit)
        event.listen(sessionmaker, "after_rollback", self._after_rollback)

    def _after_commit(self, session: Session) -> None:
        # SQLAlchemy also calls this when a savepoint is released: wait for the real commit.
        if not session.in_nested_transaction() and session.info.pop(self._flag, False):
            self.kick()

    def _after_rollback(self, session: Session) -> None:
        session.info.pop(self._flag, None)

    def kick(self) -> None:
        mode = self.app.config[self.mode_setting]
        if mode == "sync":
            self._run_once()
        elif mode == "thread":
            self._ensure_thread()
            self._wake.set()

    def _run_once(self) -> None:
        with self._running:
            try:
                with self.app.app_context():
                    self.work(self.app)
            except Exception:  # the rows stay queued; the next run picks them up
                log.exception("%s worker failed; will retry", self.name)

    def drain(self) -> None:
        """Finish the work every commit so far asked for, before the process exits."""
        if self._wake.is_set():  # a kick the thread has not taken up yet
            self._wake.clear()
            self._run_once()  # after the thread's current run, if any
        else:  # the thread's current run (if any) started after the last kick
            with self._running:
                pass

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                if self._thread is None:
                    atexit.register(self.drain)
                self._thread = threading.Thread(target=self._loop, name=f"outbox-{self.name}",
                                                daemon=True)
                self._thread.start()

    def _loop(self) -> None:
        while True:
            self._wake.wait(POLL_SECONDS)
            self._wake.clear()
            self._run_once()
