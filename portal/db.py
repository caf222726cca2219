"""The database: declarative base, one engine per app, one session per app context.

Code writes ``from portal.db import db`` and uses ``db.session``; services flush,
and the view or CLI command that called them commits once.
"""

from __future__ import annotations

import datetime as dt
import enum
from pathlib import Path
from typing import Any

from alembic import command as alembic_command
from alembic.config import Config as AlembicConfig
from flask import Flask, current_app, g
from sqlalchemy import DateTime, Engine, Enum, MetaData, create_engine, event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Seconds to wait for PostgreSQL to accept a connection: a host that drops packets would
# otherwise hold the request for the system's TCP timeout (minutes), past any proxy's.
CONNECT_TIMEOUT = 5

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Store UTC without a zone (SQLite keeps none) and hand back aware UTC datetimes."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use portal.db.utcnow()")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.UTC)


def enum_column(enum_cls: type[enum.Enum], name: str, length: int = 24) -> Enum:
    """Store an enum by value, as a VARCHAR with a CHECK constraint on every database."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def make_engine(url: str, echo: bool = False) -> Engine:
    """Create the engine; SQLite gets foreign keys, WAL and a busy timeout, PostgreSQL a
    connect timeout and a ping before each pooled connection is used.

    Errors never carry the values bound to a statement: their text reaches the log, and
    the values are letters, names and phone numbers.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, hide_parameters=True,
                               connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

        return engine
    return create_engine(url, echo=echo, hide_parameters=True, pool_pre_ping=True,
                         connect_args={"connect_timeout": CONNECT_TIMEOUT})


def database_unreachable(error: BaseException) -> bool:
    """Whether ``error`` means the database cannot be reached now (down, restarting,
    connection lost, every pooled connection busy) rather than a fault in code or data.

    SQLite reports a missing table as an ``OperationalError`` too; it counts here, as
    PostgreSQL's refused connection and SQLite's locked or unopenable file do.
    """
    if isinstance(error, OperationalError | PoolTimeoutError):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


class Database:
    """Binds an engine and a session factory to each app (flaskr's ``get_db``, typed)."""

    def init_app(self, app: Flask) -> None:
        url = app.config["DATABASE_URL"]
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = make_engine(url, app.config.get("SQLALCHEMY_ECHO", False))
        app.extensions["portal.db"] = sessionmaker(bind=engine, expire_on_commit=False)
        # Per request as well as per app context: a request that reuses an outer app
        # context (a CLI command, a test) still gets a session of its own.
        app.teardown_request(self._remove_session)
        app.teardown_appcontext(self._remove_session)

    @staticmethod
    def new_session(app: Flask | None = None) -> Session:
        """A session of its own, for workers that run beside the request's session."""
        factory: sessionmaker[Session] = (app or current_app).extensions["portal.db"]
        return factory()

    @property
    def engine(self) -> Engine:
        factory: sessionmaker[Session] = current_app.extensions["portal.db"]
        engine: Engine = factory.kw["bind"]
        return engine

    @property
    def session(self) -> Session:
        if "db_session" not in g:
            g.db_session = self.new_session()
        session: Session = g.db_session
        return session

    @staticmethod
    def _remove_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


db = Database()


def alembic_config(url: str) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade_database(app: Flask, revision: str = "head") -> None:
    """Migrate the app's database with Alembic; the only way tables are created."""
    alembic_command.upgrade(alembic_config(app.config["DATABASE_URL"]), revision)
