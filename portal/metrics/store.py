"""Where the counters live: this process's memory, or Redis, which every process sees.

Several gunicorn workers on several nodes serve the portal; counters of one process would
each show a fraction, so production counts in Redis. Memory serves development and tests.
Counting never writes to the database and never fails a request: when Redis does not
answer, the store logs once, stops trying for a while and counts nothing meanwhile.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from abc import ABC, abstractmethod
from collections import Counter
from dataclasses import dataclass
from typing import Any, NamedTuple

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

log = logging.getLogger(__name__)

KEEP_MINUTES = 120  # per-minute buckets kept: the page and the alerts read the last 60
REDIS_TIMEOUT = 0.25  # seconds; a request waits at most this for a Redis that hangs
PAUSE_SECONDS = 30  # after a Redis failure, time before this process tries again
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


class ResponseKey(NamedTuple):
    """What a response is counted by: never the raw path, whose values are unbounded and
    may carry personal data."""

    route: str
    method: str
    status: str


@dataclass(frozen=True)
class Snapshot:
    totals: dict[ResponseKey, int]
    minutes: dict[int, dict[ResponseKey, int]]  # minute (since the epoch) -> counts
    limit_hits: dict[tuple[str, str], int]  # (route, limit) -> refusals


class MetricsUnavailable(Exception):
    """The counters cannot be read now (Redis is down)."""


class MetricsStore(ABC):
    shared: bool  # every process of the deployment sees the same counts

    @abstractmethod
    def record(self, minute: int, key: ResponseKey, limit: str | None = None) -> int:
        """Count one response (and the rate limit that refused it); return how many
        responses of its status class ``minute`` has had so far on all routes, or 0 when
        that is unknown. Never raises for an unreachable store."""

    @abstractmethod
    def snapshot(self, first: int, last: int) -> Snapshot:
        """The totals, and the minutes ``first`` to ``last`` that have counts."""


class MemoryStore(MetricsStore):
    """This process only, lost at restart: development, tests, one-process deployments."""

    shared = False

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._totals: Counter[ResponseKey] = Counter()
        self._minutes: dict[int, Counter[ResponseKey]] = {}
        self._limit_hits: Counter[tuple[str, str]] = Counter()

    def record(self, minute: int, key: ResponseKey, limit: str | None = None) -> int:
        with self._lock:
            self._totals[key] += 1
            if minute not in self._minutes:
                self._minutes = {m: c for m, c in self._minutes.items()
                                 if m > minute - KEEP_MINUTES}
            bucket = self._minutes.setdefault(minute, Counter())
            bucket[key] += 1
            if limit is not None:
                self._limit_hits[key.route, limit] += 1
            return sum(n for k, n in bucket.items() if k.status == key.status)

    def snapshot(self, first: int, last: int) -> Snapshot:
        with self._lock:
            return Snapshot(dict(self._totals),
                            {m: dict(c) for m, c in self._minutes.items() if first <= m <= last},
                            dict(self._limit_hits))


def _field(*parts: str) -> str:
    return json.dumps(parts, ensure_ascii=False)


def _counts(raw: dict[bytes, bytes]) -> dict[tuple[str, ...], int]:
    return {tuple(json.loads(k)): int(v) for k, v in raw.items()}


class RedisStore(MetricsStore):
    """Hashes under ``prefix``: ``totals`` and ``limits`` for ever, and two per minute
    (by route and by status class) that expire after ``KEEP_MINUTES``."""

    shared = True

    def __init__(self, url: str, prefix: str) -> None:
        # No retries: a request must not wait for Redis to come back.
        self._redis = redis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT,
                                           socket_connect_timeout=REDIS_TIMEOUT,
                                           retry=Retry(NoBackoff(), 0))
        self._prefix = prefix
        self._lock = threading.Lock()
        self._down_until = 0.0  # monotonic time; 0 while Redis answers

    def record(self, minute: int, key: ResponseKey, limit: str | None = None) -> int:
        if time.monotonic() < self._down_until:
            return 0
        by_route, by_status = self._minute_keys(minute)
        field = _field(*key)
        pipe = self._redis.pipeline(transaction=False)
        pipe.hincrby(self._prefix + "totals", field, 1)
        pipe.hincrby(by_route, field, 1)
        pipe.expire(by_route, KEEP_MINUTES * 60)
        pipe.hincrby(by_status, key.status, 1)
        pipe.expire(by_status, KEEP_MINUTES * 60)
        if limit is not None:
            pipe.hincrby(self._prefix + "limits", _field(key.route, limit), 1)
        results = self._execute(pipe)
        return 0 if results is None else int(results[3])

    def snapshot(self, first: int, last: int) -> Snapshot:
        if time.monotonic() < self._down_until:
            raise MetricsUnavailable
        pipe = self._redis.pipeline(transaction=False)
        pipe.hgetall(self._prefix + "totals")
        pipe.hgetall(self._prefix + "limits")
        minutes = range(first, last + 1)
        for minute in minutes:
            pipe.hgetall(self._minute_keys(minute)[0])
        results = self._execute(pipe)
        if results is None:
            raise MetricsUnavailable
        totals, limits, *buckets = results
        return Snapshot(
            {ResponseKey(*k): n for k, n in _counts(totals).items()},
            {m: {ResponseKey(*k): n for k, n in _counts(raw).items()}
             for m, raw in zip(minutes, buckets, strict=True) if raw},
            {(route, limit): n for (route, limit), n in _counts(limits).items()},
        )

    def _minute_keys(self, minute: int) -> tuple[str, str]:
        return f"{self._prefix}minute:{minute}", f"{self._prefix}minute:{minute}:status"

    def _execute(self, pipe: Any) -> list[Any] | None:
        """Run ``pipe``; on failure log once per outage, pause, and answer None."""
        try:
            results: list[Any] = pipe.execute()
        except (redis.RedisError, OSError) as exc:
            with self._lock:
                first_failure = self._down_until == 0.0
                self._down_until = time.monotonic() + PAUSE_SECONDS
            if first_failure:
                log.warning("metrics storage unreachable, counting paused: %r", exc)
            return None
        if self._down_until:  # the first success after an outage
            with self._lock:
                recovered = self._down_until != 0.0
                self._down_until = 0.0
            if recovered:
                log.info("metrics storage reachable again, counting resumed")
        return results


def open_store(uri: str, prefix: str) -> MetricsStore:
    """Redis for a ``redis://`` (``rediss://``, ``unix://``) URI, memory otherwise."""
    if uri.startswith(REDIS_SCHEMES):
        return RedisStore(uri, prefix)
    if uri != "memory://":
        log.warning("metrics storage %s is not Redis: each process counts only its own "
                    "responses", uri.split("://", 1)[0] + "://")
    return MemoryStore()
