"""Metrics fixtures: the bearer token, a stopped clock, an admin's client, Redis under a prefix of the test's
own, the metrics log, and readers for /metrics and the admin page."""

from __future__ import annotations

import datetime as dt
import html
import logging
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from portal.cases.workflow import Role
from portal.metrics import counting
from tests.helpers import Clock, login, make_staff

TOKEN = "metrics-token-" + "k" * 32
REDIS_URL = "redis://127.0.0.1:6379/0"


def bearer(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def series(client: Any) -> dict[str, float]:
    """``/metrics`` as {'name{labels}': value}; asserts it answered."""
    response = client.get("/metrics", headers=bearer())
    assert response.status_code == 200, response.status_code
    return {name: float(value) for name, value in (
        line.rsplit(" ", 1) for line in response.get_data(as_text=True).splitlines()
        if line and not line.startswith("#"))}


def responses(route: str, method: str, status: str) -> str:
    return f'portal_http_responses_total{{route="{route}",method="{method}",status="{status}"}}'


def route_rows(page: str) -> dict[tuple[str, str], list[str]]:
    """The admin page's table by route: (route, method) -> [total, 4xx, 429, 5xx, flag]."""
    table = page.split("<h2>按路由</h2>", 1)[1].split("</table>", 1)[0]
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table.split("</thead>", 1)[1], re.S):
        cells = [html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
                 for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
        flag = "超过阈值" if cells[0].endswith("超过阈值") else ""
        rows[cells[0].removesuffix(flag).strip(), cells[1]] = [*cells[2:], flag]
    return rows


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
