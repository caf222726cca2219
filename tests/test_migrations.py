"""The Alembic migrations build exactly the schema the models describe, and every one of
them goes down and up again, on SQLite and on PostgreSQL; and they move the data they must."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from cryptography.fernet import Fernet
from flask import Flask
from sqlalchemy import column, create_engine, inspect, select, table, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.cases.models import Case
from portal.db import Base, alembic_config, db, upgrade_database
from portal.notify.models import OutboundMail
from portal.open311.models import Open311Request
from tests.helpers import postgres_database

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
    url = postgres_database("migrations")
    engine = create_engine(url)
    with engine.begin() as conn:  # left by an earlier test: start empty
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    yield url


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


# --- 0007: personal data in the outbox, the letter's place and Open311 coordinates ----------

PLACE = "幸福里小区3幢2单元501室"
LINK = "https://portal.test/track/eyJ0cmFja2luZyI6Ik1CLTIwMjYifQ.aBcD.sIgNaTuRe"
MAIL = {
    "subject": "您的市长信箱诉求已收到（受理编号 MB-2026-7KQ4-XP9D-M2TW-A3F8）",
    "body_text": f"您好：查看办理进度：{LINK}",
    "body_html": f'<p>您好：<a href="{LINK}">查看办理进度</a></p>',
    "last_error": "SMTPRecipientsRefused: {'ouyang.nana@example.com': (550, b'no such user')}",
}
# Coordinates whose shortest decimal form has 17 digits: they must come back exact.
COORDINATES = (30.274100000000004, 120.15510000000002)
ENCRYPTED = {"cases": ["location"], "outbound_mail": list(MAIL),
             "open311_requests": ["lat", "long"]}


def _personal_data_at_0006(url: str, key: str) -> None:
    """A database at revision 0006 holding a letter's place, an outbox message with a
    tracking link and an SMTP refusal, and an Open311 request's coordinates, in plain text
    as 0006 kept them (the recipient was already encrypted)."""
    command.upgrade(alembic_config(url), "0006")
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO cases (id, tracking_code, channel, kind, status, title, content,"
            " location, consent_publish, reopen_count, submitted_at, updated_at) VALUES"
            " (1, 'MB-2026-7KQ4-XP9D-M2TW-A3F8', 'open311', 'request', 'submitted', '路灯不亮',"
            " '门口路灯不亮', :place, :no, 0, :now, :now)"), {"place": PLACE, "no": False, "now": now})
        conn.execute(text(  # a case without a place stays without one
            "INSERT INTO cases (id, tracking_code, channel, kind, status, title, content,"
            " consent_publish, reopen_count, submitted_at, updated_at) VALUES"
            " (2, 'MB-2026-0000-0000-0000-0000', 'mailbox', 'request', 'submitted', '咨询',"
            " '咨询', :no, 0, :now, :now)"), {"no": False, "now": now})
        conn.execute(text(
            "INSERT INTO outbound_mail (recipient, subject, body_text, body_html, template,"
            " case_id, created_at, attempts, next_attempt_at, last_error) VALUES (:recipient,"
            " :subject, :body_text, :body_html, 'submission_received', 1, :now, 1, :now,"
            " :last_error)"),
            {**MAIL, "now": now,
             "recipient": Fernet(key.encode()).encrypt(b"ouyang.nana@example.com").decode()})
        conn.execute(text("INSERT INTO api_clients (id, name, key_prefix, key_hash, created_at)"
                          " VALUES (1, '网格化管理平台', 'abcd', :hash, :now)"),
                     {"hash": "0" * 64, "now": now})
        conn.execute(text("INSERT INTO open311_requests (client_id, case_id, token, attributes,"
                          " lat, long, created_at) VALUES (1, 1, 'tok', '{}', :lat, :long, :now)"),
                     {"lat": COORDINATES[0], "long": COORDINATES[1], "now": now})
    engine.dispose()


def _stored(url: str) -> dict[str, Any]:
    """The encrypted columns' values as the database holds them."""
    engine = create_engine(url)
    with engine.connect() as conn:
        found = {}
        for name, columns in ENCRYPTED.items():
            stored = table(name, column("id"), *map(column, columns))
            first = conn.execute(select(stored).order_by(stored.c.id)).mappings().first()
            found.update({f"{name}.{c}": first[c] for c in columns})
        found["cases.location without a place"] = conn.execute(
            text("SELECT location FROM cases WHERE id = 2")).scalar_one()
    engine.dispose()
    return found


PLAIN = {"cases.location": PLACE, **{f"outbound_mail.{k}": v for k, v in MAIL.items()},
         "open311_requests.lat": COORDINATES[0], "open311_requests.long": COORDINATES[1],
         "cases.location without a place": None}


def _app_with_key(url: str, key: str) -> Flask:
    """What ``flask init-db`` runs the migrations in: an app context with the app's key."""
    app = Flask(__name__)
    app.config.update(DATABASE_URL=url, PII_KEY=key)
    return app


def _read_through_the_models(url: str) -> dict[str, Any]:
    """The encrypted columns as the models read them: only those, since the models also
    have the columns of the revisions after 0007."""
    engine = create_engine(url)
    with Session(engine) as orm:
        def place(ident: int) -> str | None:
            return orm.scalar(select(Case.location).where(Case.id == ident))

        mail = orm.execute(select(*(getattr(OutboundMail, k) for k in MAIL))).one()
        located = orm.execute(select(Open311Request.lat, Open311Request.long)).one()
        found = {"cases.location": place(1),
                 **{f"outbound_mail.{k}": getattr(mail, k) for k in MAIL},
                 "open311_requests.lat": located.lat, "open311_requests.long": located.long,
                 "cases.location without a place": place(2)}
    engine.dispose()
    return found


def test_0007_encrypts_the_outbox_the_place_and_the_coordinates_and_downgrades_to_plain_text(
        empty_database):
    key = Fernet.generate_key().decode()
    _personal_data_at_0006(empty_database, key)
    app = _app_with_key(empty_database, key)

    with app.app_context():
        upgrade_database(app, "0007")  # as `flask init-db` does

    stored = _stored(empty_database)
    assert stored.pop("cases.location without a place") is None
    for where, token in stored.items():
        assert isinstance(token, str), where
        plain = str(PLAIN[where])
        assert plain not in token and "ouyang" not in token and LINK not in token, where
        assert Fernet(key.encode()).decrypt(token.encode()).decode() == plain, where
    with app.app_context():
        assert _read_through_the_models(empty_database) == PLAIN

    with app.app_context():
        command.downgrade(alembic_config(empty_database), "0006")

    assert _stored(empty_database) == PLAIN


def test_0007_run_by_plain_alembic_encrypts_with_the_key_the_configuration_gives(
        tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'portal.db'}"
    key, rotated_out = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    _personal_data_at_0006(url, key)
    monkeypatch.setenv("INSTANCE_DIR", str(tmp_path / "instance"))
    monkeypatch.setenv("PII_KEY", f"{key},{rotated_out}")

    command.upgrade(alembic_config(url), "0007")  # no app: config.load_config() finds the key

    token = _stored(url)["cases.location"]
    assert Fernet(key.encode()).decrypt(token.encode()).decode() == PLACE
    assert not (tmp_path / "instance" / "pii_key").exists()  # the environment's, not a new one
    command.downgrade(alembic_config(url), "0006")
    assert _stored(url)["cases.location"] == PLACE


def _without_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """A production shell that forgot PII_KEY: the configuration refuses to load."""
    monkeypatch.setenv("PORTAL_ENV", "production")
    for name in ("PII_KEY", "SECRET_KEY", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)


def test_0007_needs_no_key_when_there_is_nothing_to_encrypt(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'portal.db'}"
    _without_keys(monkeypatch)

    command.upgrade(alembic_config(url), "head")
    command.downgrade(alembic_config(url), "0006")


def test_0007_without_a_key_stops_before_changing_anything(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'portal.db'}"
    _personal_data_at_0006(url, Fernet.generate_key().decode())
    _without_keys(monkeypatch)

    with pytest.raises(RuntimeError, match="PII_KEY"):
        command.upgrade(alembic_config(url), "0007")

    assert _stored(url) == PLAIN


def _published_at_0007(url: str) -> None:
    """A database at revision 0007 where a moderator published two letters and withdrew
    the second."""
    command.upgrade(alembic_config(url), "0007")
    times = {"published": dt.datetime(2026, 11, 2, 1, 0), "withdrawn": dt.datetime(2026, 11, 3)}
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO staff_users (id, username, display_name, password_hash, is_active,"
            " session_epoch, created_at, must_change_password)"
            " VALUES (7, 'mod', 'mod', 'x', :yes, 0, :at, :no)"),
            {"yes": True, "no": False, "at": times["published"]})
        for ident, public in ((1, True), (2, False)):
            values = {"id": ident, "yes": True, "public": public, **times,
                      "code": f"MB-2026-{ident}", "title": f"第{ident}号来信"}
            conn.execute(text(
                "INSERT INTO cases (id, tracking_code, channel, kind, status, title, content,"
                " consent_publish, reopen_count, submitted_at, updated_at) VALUES (:id, :code,"
                " 'mailbox', 'complaint', 'replied', :title, '路灯不亮', :yes, 0, :published,"
                " :published)"), values)
            conn.execute(text(
                "INSERT INTO case_events (case_id, action, from_status, to_status, actor_id,"
                " actor_role, is_public, created_at) VALUES (:id, 'publish', 'replied',"
                " 'replied', 7, 'moderator', false, :published)"), values)
            conn.execute(text(
                "INSERT INTO publications (id, case_id, title, letter, reply, citizen_label,"
                " department_name, category_name, kind, channel, submitted_at, replied_at,"
                " is_public, published_at, withdrawn_at) VALUES (:id, :id, :title, '路灯不亮',"
                " '已修复', '市民', '市城市管理局', '城市管理', 'complaint', 'mailbox',"
                " :published, :published, :public, :published,"
                " CASE WHEN :public THEN NULL ELSE :withdrawn END)"), values)
        conn.execute(text(
            "INSERT INTO case_events (case_id, action, from_status, to_status, actor_id,"
            " actor_role, note, is_public, created_at) VALUES (2, 'withdraw', 'replied',"
            " 'replied', 7, 'moderator', '市民要求撤回', false, :withdrawn)"), times)
    engine.dispose()
    return times


def _event(url: str, action: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO case_events (case_id, action, from_status, to_status, actor_id,"
                " actor_role, is_public, created_at) VALUES (1, :action, 'replied', 'replied',"
                " 7, 'moderator', false, :at)"), {"action": action, "at": dt.datetime(2026, 12, 1)})
    finally:
        engine.dispose()


def test_0008_gives_every_publication_its_history_and_downgrades(empty_database):
    _published_at_0007(empty_database)

    command.upgrade(alembic_config(empty_database), "0008")

    engine = create_engine(empty_database)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT v.publication_id, v.number, v.kind, v.title, v.letter, v.citizen_label,"
            " v.changed_by_id, v.approved_by_id, v.reason, v.created_at = CASE v.kind"
            " WHEN 'withdrawn' THEN p.withdrawn_at ELSE p.published_at END"
            " FROM publication_versions v JOIN publications p ON p.id = v.publication_id"
            " ORDER BY v.publication_id, v.number")).all()
    engine.dispose()
    assert [(*row[:-1], bool(row[-1])) for row in rows] == [
        (1, 1, "published", "第1号来信", "路灯不亮", "市民", 7, None, None, True),
        (2, 1, "published", "第2号来信", "路灯不亮", "市民", 7, None, None, True),
        (2, 2, "withdrawn", "第2号来信", "路灯不亮", "市民", 7, None, "市民要求撤回", True)]
    _event(empty_database, "approve_change")  # the new actions are allowed

    command.downgrade(alembic_config(empty_database), "0007")

    tables = schema_of(empty_database)
    assert "publication_versions" not in tables and "publication_proposals" not in tables
    engine = create_engine(empty_database)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT action FROM case_events ORDER BY id")).scalars().all() \
            == ["publish", "publish", "withdraw"]
    engine.dispose()
    with pytest.raises(IntegrityError):  # and gone again
        _event(empty_database, "approve_change")


# --- 0009: the content fingerprint and held copies --------------------------------------------

def _letter_at(url: str, revision: str, ident: int, status: str, *steps: tuple[str, str | None,
                                                                                  str]) -> None:
    """At ``revision``: case ``ident`` in ``status``, with its events (action, from, to)."""
    command.upgrade(alembic_config(url), revision)
    now = dt.datetime(2026, 12, 10, 2, 0)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO cases (id, tracking_code, channel, kind, status, title, content,"
            " consent_publish, reopen_count, submitted_at, updated_at) VALUES (:id, :code,"
            " 'mailbox', 'complaint', :status, '人民路夜间施工噪音扰民', '工地每晚十一点后仍在施工',"
            " :no, 0, :now, :now)"),
            {"id": ident, "code": f"MB-2026-{ident}", "status": status, "no": False, "now": now})
        for action, source, target in steps:
            conn.execute(text(
                "INSERT INTO case_events (case_id, action, from_status, to_status, actor_role,"
                " is_public, created_at) VALUES (:id, :action, :source, :target, 'system',"
                " :no, :now)"),
                {"id": ident, "action": action, "source": source, "target": target, "no": False,
                 "now": now})
    engine.dispose()


def _rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql))]
    finally:
        engine.dispose()


def _allowed(url: str, sql: str) -> bool:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(sql))
        return True
    except IntegrityError:
        return False
    finally:
        engine.dispose()


HOLD_RELEASE_ACCEPT = [("submit", None, "submitted"), ("hold", "submitted", "held"),
                       ("release", "held", "submitted"), ("accept", "submitted", "accepted")]
HELD_WITH_A_NOTE = [("submit", None, "submitted"), ("hold", "submitted", "held"),
                    ("note", "held", "held")]
HELD_THEN_DECLINED = [("submit", None, "submitted"), ("hold", "submitted", "held"),
                      ("decline", "held", "declined")]


def test_0009_adds_the_fingerprint_and_held_copies_and_downgrades_them_to_submitted(
        empty_database):
    _letter_at(empty_database, "0008", 1, "submitted", ("submit", None, "submitted"))

    command.upgrade(alembic_config(empty_database), "0009")

    assert _rows(empty_database, "SELECT content_fingerprint FROM cases") == [(None,)]
    engine = create_engine(empty_database)
    indexes = {i["name"]: i["column_names"] for i in inspect(engine).get_indexes("cases")}
    engine.dispose()
    assert indexes["ix_cases_content_fingerprint"] == ["content_fingerprint"]
    assert _allowed(empty_database, "UPDATE cases SET content_fingerprint = 'f' WHERE id = 1")
    assert not _allowed(empty_database, "UPDATE cases SET title = ''")  # the others stay
    _letter_at(empty_database, "0009", 2, "accepted", *HOLD_RELEASE_ACCEPT)
    _letter_at(empty_database, "0009", 3, "held", *HELD_WITH_A_NOTE)
    _letter_at(empty_database, "0009", 4, "declined", *HELD_THEN_DECLINED)

    command.downgrade(alembic_config(empty_database), "0008")

    assert "content_fingerprint" not in schema_of(empty_database)["cases"]
    assert _rows(empty_database, "SELECT id, status FROM cases ORDER BY id") == [
        (1, "submitted"), (2, "accepted"), (3, "submitted"), (4, "declined")]
    # The trail still runs from each state to the next, without the steps 0008 cannot hold.
    assert _rows(empty_database, "SELECT case_id, action, from_status, to_status"
                                 " FROM case_events ORDER BY id") == [
        (1, "submit", None, "submitted"),
        (2, "submit", None, "submitted"), (2, "accept", "submitted", "accepted"),
        (3, "submit", None, "submitted"), (3, "note", "submitted", "submitted"),
        (4, "submit", None, "submitted"), (4, "decline", "submitted", "declined")]
    assert not _allowed(empty_database, "UPDATE cases SET status = 'held' WHERE id = 1")
    for refused in ("UPDATE case_events SET from_status = 'held'",
                    "UPDATE case_events SET to_status = 'held'",
                    "UPDATE case_events SET action = 'release'"):
        assert not _allowed(empty_database, refused), refused

    command.upgrade(alembic_config(empty_database), "0009")  # and up again
    assert _allowed(empty_database, "UPDATE cases SET status = 'held' WHERE id = 1")
