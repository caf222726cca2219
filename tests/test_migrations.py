"""The Alembic migrations build exactly the schema the models describe, and move the data
they must."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from portal.db import Base, alembic_config, db


def test_migrated_schema_matches_the_models(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


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
