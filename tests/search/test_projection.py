"""The index never skips a published row: the cursor claims only what a committed index
holds, a process that stops anywhere (a fault, SIGKILL, a command-line verb that
returns) leaves work the next sync completes, and a node that falls behind says so."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from whoosh.writing import SegmentWriter

from config import BASE_DIR
from portal.db import utcnow
from portal.search.index import INDEX_FORMAT, SearchIndex
from portal.wall.models import SearchOutbox
from tests.helpers import TEST_PII_KEY, login, make_staff
from tests.helpers.archive import ARCHIVE
from tests.helpers.index import (
    api_ids,
    import_records,
    index_dir,
    indexed_ids,
    max_outbox_id,
    pub_id,
    run,
)


def cursor_of(app: Any) -> int:
    return SearchIndex(app.config["SEARCH_INDEX_DIR"]).cursor()


def assert_every_reply_found_once(app: Any, session: Any) -> None:
    """Each archived reply is in the index exactly once and found by its own word."""
    client = app.test_client()
    expected = sorted(pub_id(session, r["external_id"]) for r in ARCHIVE)
    assert indexed_ids(app) == expected
    assert api_ids(client, "燃气") == [pub_id(session, "A-1")]
    assert api_ids(client, "路灯") == [pub_id(session, "A-2")]
    assert api_ids(client, "单车") == [pub_id(session, "A-3")]
    assert api_ids(client, "噪声") == [pub_id(session, "A-4")]


@pytest.fixture
def waiting(make_app: Any, tmp_path: Path) -> Any:
    """An app whose four published replies are committed but not yet indexed."""
    app = make_app(SEARCH_DISPATCH="off")
    import_records(app, tmp_path, ARCHIVE, "archive")
    assert indexed_ids(app) == []
    return app


# --- the first start -------------------------------------------------------------------

def test_the_first_run_path_finds_the_demo_replies(make_app, database_url, smtp, tmp_path):
    """`init-db` then `seed-demo` as separate processes, with the production default of
    indexing in a background thread: the demo replies are searchable, with no sync."""
    folders = {"INSTANCE_DIR": tmp_path / "instance", "SEARCH_INDEX_DIR": tmp_path / "index",
               "ATTACHMENT_DIR": tmp_path / "attachments"}
    env = {**os.environ, **{k: str(v) for k, v in folders.items()},
           "DATABASE_URL": database_url, "PII_KEY": TEST_PII_KEY,
           "SECRET_KEY": "test-secret-key-" + "x" * 32, "MAIL_SERVER": "127.0.0.1",
           "MAIL_PORT": str(smtp.port), "SEARCH_DISPATCH": "thread",
           "OUTBOX_DISPATCH": "thread"}
    for verb in (["init-db"], ["seed-demo", "--if-empty"]):
        done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *verb],
                              cwd=BASE_DIR, env=env, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stderr

    app = make_app(**{k: str(v) for k, v in folders.items()})
    client = app.test_client()
    page = client.get("/search?q=燃气").get_data(as_text=True)
    assert "人民路燃气管道有异味" in page
    assert client.get("/api/search?q=燃气").get_json()["total"] == 1
    assert "一致" in run(app, "search", "check").output
    assert client.get("/healthz").get_json()["search_index"] == "ok"


# --- a sync that stops between writing and committing ----------------------------------

def test_a_fault_before_the_index_commit_leaves_the_cursor_and_the_next_sync_completes(
        waiting, session, monkeypatch):
    def broken_commit(self: Any, *args: Any, **kwargs: Any) -> None:
        raise OSError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(SegmentWriter, "commit", broken_commit)
        with waiting.app_context(), pytest.raises(OSError):
            SearchIndex(waiting.config["SEARCH_INDEX_DIR"]).sync(session)

    assert cursor_of(waiting) == 0
    assert indexed_ids(waiting) == []
    run(waiting, "search", "sync")
    assert cursor_of(waiting) == max_outbox_id(session)
    assert_every_reply_found_once(waiting, session)


def test_a_fault_after_the_index_commit_leaves_the_cursor_behind_not_ahead(
        waiting, session, monkeypatch):
    def broken_cursor(self: Any, folder: Path, last_id: int) -> None:
        raise OSError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(SearchIndex, "_write_cursor", broken_cursor)
        with waiting.app_context(), pytest.raises(OSError):
            SearchIndex(waiting.config["SEARCH_INDEX_DIR"]).sync(session)

    assert cursor_of(waiting) == 0  # the index has the rows; the cursor does not claim them
    assert len(indexed_ids(waiting)) == 4
    run(waiting, "search", "sync")  # applies the four rows again, harmlessly
    assert cursor_of(waiting) == max_outbox_id(session)
    assert_every_reply_found_once(waiting, session)


def child_config(app: Any) -> str:
    keys = ("DATABASE_URL", "SEARCH_INDEX_DIR", "INSTANCE_DIR", "ATTACHMENT_DIR",
            "SECRET_KEY", "PII_KEY", "MAIL_SERVER", "MAIL_PORT", "TIMEZONE")
    return json.dumps({**{k: app.config[k] for k in keys}, "SEARCH_DISPATCH": "sync",
                       "OUTBOX_DISPATCH": "off", "BATCH_PROCS": 1})


@pytest.mark.parametrize("point", ["before-index-commit", "before-cursor"])
def test_a_sync_killed_with_sigkill_is_completed_by_the_next_sync(waiting, session, point):
    child = subprocess.Popen([sys.executable, "-m", "tests.search.sync_child",
                              child_config(waiting), point],
                             cwd=BASE_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    try:
        line = child.stdout.readline() if child.stdout else ""
        assert line.strip() == "ready", child.stderr.read() if child.stderr else line
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL

    assert cursor_of(waiting) == 0
    run(waiting, "search", "sync")  # the dead writer's lock went with it
    assert cursor_of(waiting) == max_outbox_id(session)
    assert_every_reply_found_once(waiting, session)


# --- a node that falls behind says so ---------------------------------------------------

def test_health_says_behind_when_an_outbox_row_waits_too_long(waiting, session):
    client = waiting.test_client()
    assert client.get("/healthz").get_json()["search_index"] == "ok"  # just published

    session.execute(update(SearchOutbox).values(created_at=utcnow() - dt.timedelta(minutes=6)))
    session.commit()
    health = client.get("/healthz").get_json()
    assert (health["status"], health["search_index"]) == ("degraded", "behind")

    make_staff(session, "watcher")
    login(client, "watcher")
    assert "搜索索引未能及时更新" in client.get("/staff/").get_data(as_text=True)

    run(waiting, "search", "sync")
    assert client.get("/healthz").get_json()["search_index"] == "ok"
    assert "搜索索引未能及时更新" not in client.get("/staff/").get_data(as_text=True)


def test_search_check_compares_the_index_with_the_public_publications(waiting, session):
    with waiting.app_context():
        unsynced = waiting.test_cli_runner().invoke(args=["search", "check"])
    assert unsynced.exit_code == 1
    assert "数据库公开答复 4 条，索引文档 0 条" in unsynced.output

    run(waiting, "search", "sync")
    assert "数据库公开答复 4 条，索引文档 4 条" in run(waiting, "search", "check").output

    ix = SearchIndex(index_dir(waiting))
    writer = ix._open().writer()  # noqa: SLF001 - a document lost behind the portal's back
    writer.delete_by_term("id", str(pub_id(session, "A-2")))
    writer.commit()
    with waiting.app_context():
        lost = waiting.test_cli_runner().invoke(args=["search", "check"])
    assert lost.exit_code == 1
    assert "缺 1 条" in lost.output


def test_an_index_of_the_earlier_format_is_outdated_and_sync_rebuilds_it(waiting, session):
    """Format 1 stored UTC years: the same fields, another meaning."""
    run(waiting, "search", "sync")
    cursor = index_dir(waiting) / "portal_cursor.json"
    cursor.write_text(json.dumps({"last_id": max_outbox_id(session)}))
    client = waiting.test_client()
    assert client.get("/healthz").get_json()["search_index"] == "outdated"
    assert client.get("/api/search?q=燃气").status_code == 503

    output = run(waiting, "search", "sync").output

    assert "索引由旧版本建立，改为重建" in output
    assert json.loads(cursor.read_text())["format"] == INDEX_FORMAT
    assert_every_reply_found_once(waiting, session)
