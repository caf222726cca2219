"""Metrics fixtures: the bearer token, a stopped clock, an admin's client, Redis under a prefix of the test's
own, the metrics log, and readers for /metrics and the admin page."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from portal.cases.workflow import Role
from portal.metrics import counting
from tests.helpers import Clock, login, make_staff
from tests.helpers.metrics import REDIS_URL


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The metrics' clock, stopped at 14:30:10 in the city (06:30:10 UTC)."""
    manual = Clock()
    manual.now = dt.datetime(2026, 3, 4, 6, 30, 10, tzinfo=dt.UTC)
    monkeypatch.setattr(counting, "utcnow", manual)
    return manual


@pytest.fixture
def admin_client(session: Any) -> Any:
    """Signs an admin in to the app given (a fresh client each call)."""
    make_staff(session, "root", Role.ADMIN)

    def sign_in(app: Any) -> Any:
        client = app.test_client()
        assert login(client, "root").status_code == 303
        return client

    return sign_in


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def metrics_log() -> Iterator[list[str]]:
    """The messages logged under ``portal.metrics``, as they come."""
    collect = _Collect()
    logger = logging.getLogger("portal.metrics")
    logger.addHandler(collect)
    try:
        yield collect.messages
    finally:
        logger.removeHandler(collect)


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test's own on the local Redis; its keys are deleted after."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"no Redis at {REDIS_URL} ({exc}): the shared store is not tested here")
    prefix = f"test-metrics-{uuid.uuid4().hex}:"
    yield prefix
    keys = list(client.scan_iter(match=prefix + "*"))
    if keys:
        client.delete(*keys)
    client.close()
