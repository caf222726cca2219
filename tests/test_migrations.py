"""The Alembic migrations build exactly the schema the models describe, and every one of
them goes down and up again, on SQLite and on PostgreSQL; and they move the data they must."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from portal.db import Base, alembic_config, db

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


def test_migrated_schema_matches_the_models(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


@pytest.fixture(params=BACKENDS)
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own (the suite's shared one stays at head)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    server = make_url(os.environ["TEST_DATABASE_URL"])
    name = f"{server.database}_migrations"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def schema_of(url: str) -> dict[str, list[str]]:
    engine = create_engine(url)
    try:
        found = inspect(engine)
        return {t: sorted(c["name"] for c in found.get_columns(t))
                for t in sorted(found.get_table_names())}
    finally:
        engine.dispose()


def test_every_migration_goes_up_down_to_the_first_and_up_again(empty_database):
    config = alembic_config(empty_database)
    revisions = [r.revision for r in ScriptDirectory.from_config(config).walk_revisions()]
    first = revisions[-1]

    command.upgrade(config, "head")
    at_head = schema_of(empty_database)
    for revision in revisions[1:]:  # one step down at a time, each downgrade runs
        command.downgrade(config, revision)
    at_first = schema_of(empty_database)
    command.downgrade(config, "base")
    assert set(schema_of(empty_database)) <= {"alembic_version"}
    command.upgrade(config, first)
    assert schema_of(empty_database) == at_first
    command.upgrade(config, "head")

    assert schema_of(empty_database) == at_head
    assert {t.name for t in Base.metadata.sorted_tables} <= set(at_head)
    engine = create_engine(empty_database)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()


def _staff_at_0005(url: str, *usernames: str) -> None:
    """A database at revision 0005 holding staff accounts named ``usernames``."""
    command.upgrade(alembic_config(url), "0005")
    engine = create_engine(url)
    with engine.begin() as conn:
        for name in usernames:
            conn.execute(text(
                "INSERT INTO staff_users (username, display_name, password_hash, is_active,"
                " session_epoch, created_at) VALUES (:name, :name, 'x', :yes, 0, :now)"),
                {"name": name, "yes": True, "now": dt.datetime.now(dt.UTC).isoformat()})
    engine.dispose()


def _columns(url: str) -> dict[str, list[str]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        names = conn.execute(text("SELECT username FROM staff_users ORDER BY id")).scalars().all()
        columns = [c["name"] for c in inspect(conn).get_columns("staff_users")]
    engine.dispose()
    return {"usernames": list(names), "columns": columns}


def test_0006_spells_usernames_canonically_and_downgrades(tmp_path):
    url = f"sqlite:///{tmp_path / 'portal.db'}"
    _staff_at_0005(url, "Alice", "ＢＯＢ\u200b", " carol ", "dave")

    command.upgrade(alembic_config(url), "0006")
    after = _columns(url)
    assert after["usernames"] == ["alice", "bob", "carol", "dave"]
    assert "must_change_password" in after["columns"]
    engine = create_engine(url)
    with engine.connect() as conn:  # accounts that existed keep signing in as before
        assert not any(conn.execute(text("SELECT must_change_password FROM staff_users")
                                    ).scalars())
    engine.dispose()

    command.downgrade(alembic_config(url), "0005")
    assert "must_change_password" not in _columns(url)["columns"]


def test_0006_stops_when_two_usernames_would_become_one(tmp_path):
    url = f"sqlite:///{tmp_path / 'portal.db'}"
    _staff_at_0005(url, "Alice", "alice", "bob")

    with pytest.raises(RuntimeError, match="Alice.*alice"):
        command.upgrade(alembic_config(url), "0006")

    after = _columns(url)
    assert after["usernames"] == ["Alice", "alice", "bob"]  # nothing changed
    assert "must_change_password" not in after["columns"]
