"""The two stores keep the same counts: by key, by minute, by rate limit; memory drops old
minutes itself, Redis lets them expire; a Redis that hangs or refuses is not waited for."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from portal.metrics.report import limit_label
from portal.metrics.store import (
    KEEP_MINUTES,
    MemoryStore,
    MetricsStore,
    MetricsUnavailable,
    RedisStore,
    ResponseKey,
    open_store,
)
from tests.helpers.metrics import REDIS_URL

WALL = ResponseKey("/wall/<id:publication_id>", "GET", "4xx")
TRACK = ResponseKey("/track", "POST", "4xx")
THROTTLED = ResponseKey("/track", "POST", "429")


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest) -> Iterator[MetricsStore]:
    if request.param == "memory":
        yield MemoryStore()
    else:
        yield RedisStore(REDIS_URL, request.getfixturevalue("redis_prefix"))


def test_a_store_counts_by_key_in_the_totals_and_in_the_minute(store):
    seen = [store.record(100, WALL), store.record(100, TRACK), store.record(100, WALL),
            store.record(100, THROTTLED, "10 per 1 minute"), store.record(101, WALL)]

    assert seen == [1, 2, 3, 1, 1]  # the minute's count of the response's status class
    snapshot = store.snapshot(100, 101)
    assert snapshot.totals == {WALL: 3, TRACK: 1, THROTTLED: 1}
    assert snapshot.minutes == {100: {WALL: 2, TRACK: 1, THROTTLED: 1}, 101: {WALL: 1}}
    assert snapshot.limit_hits == {("/track", "10 per 1 minute"): 1}


def test_a_store_reads_only_the_minutes_asked_for(store):
    for minute in (99, 100, 102):
        store.record(minute, WALL)

    assert store.snapshot(100, 101).minutes == {100: {WALL: 1}}
    assert store.snapshot(100, 101).totals == {WALL: 3}


def test_the_memory_store_forgets_minutes_older_than_two_hours_but_keeps_totals():
    store = MemoryStore()
    store.record(100, WALL)
    store.record(100 + KEEP_MINUTES, WALL)

    snapshot = store.snapshot(0, 1000)

    assert snapshot.minutes == {100 + KEEP_MINUTES: {WALL: 1}}
    assert snapshot.totals == {WALL: 2}


def test_redis_minute_buckets_expire_after_two_hours_and_totals_stay(redis_prefix):
    RedisStore(REDIS_URL, redis_prefix).record(100, THROTTLED, "10 per 1 minute")
    client = redis.Redis.from_url(REDIS_URL)

    ttls = {key.decode().removeprefix(redis_prefix): client.ttl(key)
            for key in client.scan_iter(match=redis_prefix + "*")}

    assert set(ttls) == {"totals", "limits", "minute:100", "minute:100:status"}
    assert ttls["totals"] == ttls["limits"] == -1  # no expiry
    assert 0 < ttls["minute:100"] <= KEEP_MINUTES * 60
    assert 0 < ttls["minute:100:status"] <= KEEP_MINUTES * 60


def test_an_unreachable_redis_counts_nothing_and_cannot_be_read():
    store = RedisStore("redis://127.0.0.1:1/0", "unused:")

    assert store.record(100, WALL) == 0
    with pytest.raises(MetricsUnavailable):
        store.snapshot(100, 100)


@pytest.mark.parametrize("uri, kind", [
    ("memory://", MemoryStore), ("redis://127.0.0.1:6379", RedisStore),
    ("rediss://cache.example:6380/1", RedisStore), ("memcached://127.0.0.1:11211", MemoryStore),
])
def test_the_storage_uri_chooses_the_store(uri, kind):
    assert type(open_store(uri, "portal:metrics:")) is kind


@pytest.mark.parametrize("limit, label", [
    ("10 per 1 minute", "每分钟 10 次"), ("10 per 15 minute", "每 15 分钟 10 次"),
    ("50 per 1 day", "每天 50 次"), ("something else", "something else"),
])
def test_rate_limits_read_in_chinese(limit, label):
    assert limit_label(limit) == label
