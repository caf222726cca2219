"""The Alembic migrations build exactly the schema the models describe, and every one of
them goes down and up again, on SQLite and on PostgreSQL."""

from __future__ import annotations

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
