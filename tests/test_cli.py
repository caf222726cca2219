"""The command line: init-db, seed-demo and mail flush, through Flask's CLI runner."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.cli import FlaskGroup
from sqlalchemy import func, inspect, select, text

from portal.auth.models import StaffUser
from portal.campaigns.models import Campaign
from portal.cases.models import Case, CaseEvent, Category, Department
from portal.cases.workflow import Channel, Status
from portal.clock import local_today
from portal.db import Base, db
from portal.demo import CATEGORIES, DEMO_REPLIES, DEPARTMENTS, SAMPLE_LETTERS, STAFF
from portal.notify.models import OutboundMail
from tests.helpers import count

PASSWORD_LINE = re.compile(r"工作人员账号 (\S+)\s+密码 (\S+)")


def flask_cli(app: Flask, *args: str) -> Any:
    """Run ``flask --app wsgi ARGS`` the way the real ``flask`` command does (FlaskGroup)."""
    cli = FlaskGroup(create_app=lambda: app, load_dotenv=False)
    return app.test_cli_runner().invoke(cli, args=list(args))



def counts(session: Any) -> dict[str, int]:
    return {m.__name__: count(session, m)
            for m in (Department, Category, StaffUser, Campaign, Case, CaseEvent, OutboundMail)}


# --- init-db -----------------------------------------------------------------------------------

def test_init_db_twice_on_the_test_database_succeeds_both_times(app, runner, session):
    first = runner.invoke(args=["init-db"])
    second = runner.invoke(args=["init-db"])

    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert "数据库已迁移到最新版本" in second.output
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
    assert {t.name for t in Base.metadata.sorted_tables} <= tables


def test_init_db_creates_every_table_in_a_fresh_database_and_keeps_data_on_rerun(
        make_app, tmp_path):
    app = make_app(DATABASE_URL=f"sqlite:///{tmp_path / 'fresh' / 'portal.db'}")
    first = flask_cli(app, "init-db")

    assert first.exit_code == 0, first.output
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
        assert {t.name for t in Base.metadata.sorted_tables} <= tables
        assert "alembic_version" in tables
        db.session.add(Category(name="交通出行"))
        db.session.commit()
        version = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()

    again = flask_cli(app, "init-db")

    assert again.exit_code == 0, again.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Category)) == 1
        assert db.session.execute(
            text("SELECT version_num FROM alembic_version")).scalar() == version
        db.engine.dispose()


# --- seed-demo ---------------------------------------------------------------------------------

def test_seed_demo_fills_departments_categories_staff_a_campaign_and_sample_cases(runner, session):
    result = runner.invoke(args=["seed-demo"])

    assert result.exit_code == 0, result.output
    assert counts(session) == {
        "Department": len(DEPARTMENTS), "Category": len(CATEGORIES), "StaffUser": len(STAFF),
        "Campaign": 1, "Case": len(SAMPLE_LETTERS) + len(DEMO_REPLIES),
        # a submit event per letter; an import and a publish event per archived reply
        "CaseEvent": len(SAMPLE_LETTERS) + 2 * len(DEMO_REPLIES),
        "OutboundMail": 0,
    }
    campaign = session.scalars(select(Campaign)).one()
    assert campaign.is_open(local_today())
    archived = session.scalars(select(Case).where(Case.external_id.is_not(None))).all()
    assert {c.status for c in archived} == {Status.CLOSED}
    assert all(c.is_published for c in archived)
    cases = session.scalars(select(Case).where(Case.external_id.is_(None))).all()
    assert {c.status for c in cases} == {Status.SUBMITTED}
    assert {c.channel for c in cases} == {Channel.MAILBOX}
    for case in cases:
        assert case.tracking_code in result.output
        assert case.contact is not None and case.contact.phone.startswith("1390000")
    stored_phones = session.execute(text("SELECT phone FROM contacts")).scalars().all()
    assert len(stored_phones) == len(SAMPLE_LETTERS)
    assert not any("1390000" in p for p in stored_phones)  # encrypted at rest


def test_seed_demo_prints_each_staff_password_and_stores_only_an_argon2id_hash(
        runner, session):
    result = runner.invoke(args=["seed-demo"])

    printed = dict(PASSWORD_LINE.findall(result.output))
    assert set(printed) == {username for username, *_ in STAFF}
    assert len(set(printed.values())) == len(STAFF)  # each account gets its own password
    session.rollback()
    for user in session.scalars(select(StaffUser)).all():
        password = printed[user.username]
        assert user.password_hash.startswith("$argon2id$")
        assert password not in user.password_hash
        assert len(password) >= 12
        assert user.check_password(password)
        assert user.roles
    admin = session.scalars(select(StaffUser).where(StaffUser.username == "admin")).one()
    assert not admin.check_password(printed["operator"])


def test_seed_demo_if_empty_seeds_an_empty_database_once_and_then_does_nothing(app, session):
    first = flask_cli(app, "seed-demo", "--if-empty")

    assert first.exit_code == 0, first.output
    assert len(PASSWORD_LINE.findall(first.output)) == len(STAFF)
    before = counts(session)
    assert before["Department"] == len(DEPARTMENTS)
    hashes = set(session.scalars(select(StaffUser.password_hash)).all())

    again = flask_cli(app, "seed-demo", "--if-empty")

    assert again.exit_code == 0, again.output
    assert "已有数据，跳过演示数据" in again.output
    assert "密码" not in again.output
    assert counts(session) == before
    session.rollback()
    assert set(session.scalars(select(StaffUser.password_hash)).all()) == hashes


# --- mail flush --------------------------------------------------------------------------------

def test_mail_flush_with_nothing_waiting_says_so(runner, smtp):
    result = runner.invoke(args=["mail", "flush"])

    assert result.exit_code == 0, result.output
    assert "没有待发送的邮件" in result.output
    assert smtp.mailbox.messages == []


def test_commands_run_under_the_real_flask_command_without_an_outer_context(app, smtp):
    for args in (["init-db"], ["mail", "flush"]):
        result = flask_cli(app, *args)
        assert result.exit_code == 0, (args, result.output, result.exception)
