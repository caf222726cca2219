"""Shared fixtures: an app on a real database (SQLite, and PostgreSQL when
TEST_DATABASE_URL is set), a CSRF-enforcing client, and a real SMTP server."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

import portal.models  # noqa: F401  (complete metadata for truncation)
from portal import create_app
from portal.cases.models import Case
from portal.cases.services import ContactData, Submission, submit_case
from portal.cases.workflow import Actor, Channel, Kind
from portal.db import Base, alembic_config, db
from portal.open311.models import Datatype, ServiceAttribute
from portal.search.index import SearchIndex
from tests.helpers import TEST_PII_KEY, postgres_database
from tests.helpers.archive import ARCHIVE, write_archive
from tests.helpers.open311 import Citizen, City, every_stage, letter_of, options

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


# --- the database, migrated once per backend with Alembic ----------------------------------

def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                 ) -> str:
    from alembic import command

    if request.param == "postgresql":
        url = postgres_database()
        _reset_postgres(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'portal.db'}"
    command.upgrade(alembic_config(url), "head")
    return url


def _empty_tables(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                names = ", ".join(t.name for t in Base.metadata.sorted_tables)
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in reversed(Base.metadata.sorted_tables):
                    conn.execute(table.delete())
        engine.dispose()


# --- a real SMTP server in-process ------------------------------------------------------

@dataclass
class Mailbox:
    """Messages the in-process SMTP server received."""

    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[Any] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.envelopes.append(envelope)
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()
            self.envelopes.clear()

    def body(self, index: int = -1) -> str:
        part = self.messages[index].get_body(preferencelist=("plain",))
        return part.get_content() if part else ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SMTPServer:
    """An aiosmtpd server that tests can stop and start again on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.mailbox = Mailbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        if self.controller is None:
            self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
            self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SMTPServer]:
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_server: SMTPServer) -> Iterator[SMTPServer]:
    """The running SMTP server with an empty mailbox; restarted if a test stopped it."""
    smtp_server.start()
    smtp_server.mailbox.clear()
    yield smtp_server
    smtp_server.start()


# --- the app ----------------------------------------------------------------------------

@pytest.fixture
def make_app(database_url: str, smtp: SMTPServer, tmp_path: Path
             ) -> Iterator[Callable[..., Flask]]:
    """Build an app on the test database; keyword arguments override configuration."""
    apps: list[Flask] = []

    def factory(**overrides: Any) -> Flask:
        config = {
            "TESTING": True,
            "INSTANCE_DIR": str(tmp_path / "instance"),
            "DATABASE_URL": database_url,
            "SEARCH_INDEX_DIR": str(tmp_path / "search_index"),
            "ATTACHMENT_DIR": str(tmp_path / "attachments"),
            "SECRET_KEY": "test-secret-key-" + "x" * 32,
            "PII_KEY": TEST_PII_KEY,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": smtp.port,
            "OUTBOX_DISPATCH": "sync",
            "SEARCH_DISPATCH": "sync",
            "BATCH_PROCS": 1,  # tests of their own build with two processes
            "MAIL_SUPPRESS_SEND": False,  # Flask-Mail would drop mail when TESTING
            "SUBMIT_RATE_LIMIT": "1000 per hour",
            "TRACK_RATE_LIMIT": "1000 per hour",
            "OPEN311_RATE_LIMIT": "1000 per minute",
            "RATELIMIT_STORAGE_URI": "memory://",
            # Each app counts on its own and has no /metrics, whatever the shell exports.
            "METRICS_STORAGE_URI": "memory://",
            "METRICS_TOKEN": None,
            "RATELIMIT_ENABLED": True,  # the limiter is one object: say it for every app
            "SITE_URL": "https://portal.test",
            # Signing in with an authenticator has its own tests (tests/auth/test_second_factor.py),
            # which turn it on; elsewhere one staff member signs in many times a minute.
            "TOTP_REQUIRED_ROLES": (),
        }
        if "SEARCH_INDEX_DIR" not in overrides:
            SearchIndex(config["SEARCH_INDEX_DIR"]).ensure()  # what `init-db` does
        config.update(overrides)
        app = create_app(config)
        apps.append(app)
        return app

    yield factory
    if apps:
        _empty_tables(apps[0])
    for made in apps:  # give every pooled connection back (PostgreSQL counts them)
        made.extensions["portal.db"].kw["bind"].dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask], request: pytest.FixtureRequest) -> Flask:
    """The app; ``parametrize("app", [overrides, ...], indirect=True)`` configures it."""
    return make_app(**getattr(request, "param", {}))


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


@pytest.fixture
def session(app: Flask, make_app: Callable[..., Flask]) -> Iterator[Session]:
    """A session of the test's own, to arrange and inspect data.

    It lives in the app context of a twin app (same database and keys), so requests
    made meanwhile get app contexts, ``g`` and sessions of their own, as in production.
    Commit what you arrange; call ``session.rollback()`` before reading what a request
    wrote (SQLite reads a snapshot).
    """
    twin = make_app()
    with twin.app_context():
        own = db.new_session(twin)
        yield own
        own.close()


@pytest.fixture
def portal_log() -> Iterator[list[str]]:
    """The lines the portal logs during the test (its logger does not reach ``caplog``).

    Ask for it after the app: making an app replaces the portal logger's handlers.
    """
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    handler = Collect()
    logger = logging.getLogger("portal")
    logger.addHandler(handler)
    yield lines
    logger.removeHandler(handler)


# --- data factories ----------------------------------------------------------------------

@pytest.fixture
def make_category(session: Session) -> Callable[..., Any]:
    from portal.cases.models import Category

    def factory(name: str = "交通出行", sort_order: int = 0) -> Category:
        category = Category(name=name, sort_order=sort_order)
        session.add(category)
        session.commit()
        return category

    return factory


@pytest.fixture
def category(make_category: Callable[..., Any]) -> Any:
    """The one category citizens choose in most tests."""
    return make_category("城市管理")


@pytest.fixture
def make_department(session: Session) -> Callable[..., Any]:
    from portal.cases.models import Department

    def factory(name: str = "市交通运输局") -> Department:
        department = Department(name=name)
        session.add(department)
        session.commit()
        return department

    return factory


@pytest.fixture
def make_campaign(session: Session, make_department: Callable[..., Any]) -> Callable[..., Any]:
    import datetime as dt

    from portal.campaigns.models import Campaign
    from portal.clock import local_today

    def factory(opens_in_days: int = -5, closes_in_days: int = 30,
                title: str = "老旧小区改造金点子征集") -> Campaign:
        today = local_today()
        campaign = Campaign(
            title=title, description="围绕老旧小区改造征集建议。",
            department=make_department(f"市住房和城乡建设委员会{opens_in_days}{closes_in_days}"),
            opens_on=today + dt.timedelta(days=opens_in_days),
            closes_on=today + dt.timedelta(days=closes_in_days),
        )
        session.add(campaign)
        session.commit()
        return campaign

    return factory


@pytest.fixture
def city(session: Session, make_category: Any, make_department: Any) -> SimpleNamespace:
    """Two services: 城市管理 asks for extra fields (one of each datatype), 交通出行 for
    none; and the department that handles them."""
    lights = make_category("城市管理")
    roads = make_category("交通出行", sort_order=1)
    session.add_all([
        ServiceAttribute(category_id=lights.id, code="facility", required=True, sort_order=1,
                         datatype=Datatype.SINGLEVALUELIST, description="损坏的设施",
                         options=options(("streetlight", "路灯"), ("manhole", "井盖"))),
        ServiceAttribute(category_id=lights.id, code="count", datatype=Datatype.NUMBER,
                         description="损坏数量", datatype_description="阿拉伯数字",
                         sort_order=2),
        ServiceAttribute(category_id=lights.id, code="period", sort_order=3,
                         datatype=Datatype.MULTIVALUELIST, description="发生时段",
                         options=options(("morning", "早高峰"), ("night", "夜间"))),
        ServiceAttribute(category_id=lights.id, code="seen_at", datatype=Datatype.DATETIME,
                         description="发现时间", sort_order=4),
        ServiceAttribute(category_id=lights.id, code="where", datatype=Datatype.STRING,
                         description="具体位置", sort_order=5),
        ServiceAttribute(category_id=lights.id, code="note", datatype=Datatype.TEXT,
                         description="补充说明", sort_order=6),
    ])
    session.commit()
    return SimpleNamespace(lights=lights, roads=roads,
                           department=make_department("市城市管理局"))


@pytest.fixture
def every_status(session: Session, city: SimpleNamespace) -> City:
    """Letters to the mayor whose citizens agreed to publication, one in every status."""

    def letter(citizen: Citizen, i: int) -> Case:
        return submit_case(session, Submission(
            channel=Channel.MAILBOX, kind=Kind.REQUEST, title=f"小区路灯不亮（{i}）",
            content=letter_of(citizen),
            contact=ContactData(phone=citizen.phone, name=citizen.name, email=citizen.email),
            category_id=city.lights.id, location=citizen.location, consent_publish=True,
        ), Actor.citizen())

    return every_stage(session, city, letter)


@pytest.fixture
def issue_key(app: Flask) -> Callable[..., str]:
    """Issue a key with ``flask open311 issue-key`` and return its last output line."""

    def issue(name: str = "网格化管理平台") -> str:
        result = app.test_cli_runner().invoke(args=["open311", "issue-key", name])
        assert result.exit_code == 0, result.output
        return result.output.strip().splitlines()[-1]

    return issue


@pytest.fixture
def api_key(issue_key: Callable[..., str]) -> str:
    return issue_key()


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """The four archived replies of ``tests.helpers.archive``, as a JSON-lines file."""
    return write_archive(tmp_path / "archive.jsonl", ARCHIVE)


@pytest.fixture
def imported(app: Any, archive: Path) -> Any:
    """``app`` after ``flask import-replies`` of the archive: four published replies."""
    result = app.test_cli_runner().invoke(args=["import-replies", str(archive)])
    assert result.exit_code == 0, result.output
    return result
