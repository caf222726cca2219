"""The counters, and a few gauges of the outboxes, in Prometheus' text format 0.0.4."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from sqlalchemy.orm import Session

from portal.notify.outbox import failed_count, pending_count
from portal.search.index import search_index
from portal.search.projection import HEALTH_WARNINGS, index_health

from .counting import current_minute, metrics_store

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
STATUSES = ("2xx", "3xx", "4xx", "429", "5xx")
SEARCH_STATES = ("ok", *HEALTH_WARNINGS)

Sample = tuple[dict[str, str], int | float]


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _family(name: str, kind: str, help_text: str, samples: Iterable[Sample]) -> list[str]:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
    for labels, value in samples:
        inner = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
        lines.append(f"{name}{{{inner}}} {value}" if inner else f"{name} {value}")
    return lines


def _service_gauges(session: Session) -> list[str]:
    """The mail outbox and this node's search index, as /healthz reports them."""
    lines: list[str] = []
    try:
        pending, failed = pending_count(session), failed_count(session)
        lag = search_index().lag(session)
    except Exception:  # the database is down: the counters are still worth scraping
        session.rollback()
        database_up = False
    else:
        database_up = True
        lines += _family("portal_mail_queue_length", "gauge",
                         "Mail messages waiting in the outbox.", [({}, pending)])
        lines += _family("portal_mail_failed", "gauge",
                         "Mail messages given up as undeliverable.", [({}, failed)])
        lines += _family("portal_search_index_lag_seconds", "gauge",
                         "How long the oldest publication change this node's search index "
                         "has not applied has waited (0: none waits).",
                         [({}, lag.total_seconds() if lag else 0)])
    state = index_health(session if database_up else None)
    lines += _family("portal_search_index_state", "gauge",
                     "This node's search index: 1 for its current state.",
                     [({"state": s}, int(s == state)) for s in SEARCH_STATES])
    return lines


def prometheus_text(session: Session) -> str:
    """Every counter (the whole deployment's when they live in Redis), the responses of the
    last complete minute, and this node's outbox gauges. Raises ``MetricsUnavailable``."""
    last = current_minute() - 1
    snapshot = metrics_store().snapshot(last, last)
    last_minute: Counter[str] = Counter()
    for key, n in snapshot.minutes.get(last, {}).items():
        last_minute[key.status] += n
    lines = _family(
        "portal_http_responses_total", "counter",
        "HTTP responses by route (the URL rule), method and status class; 429 is not in 4xx.",
        [({"route": k.route, "method": k.method, "status": k.status}, n)
         for k, n in sorted(snapshot.totals.items())])
    lines += _family(
        "portal_http_responses_last_minute", "gauge",
        "HTTP responses of all routes in the last complete minute, by status class.",
        [({"status": s}, last_minute[s]) for s in STATUSES])
    lines += _family(
        "portal_rate_limit_hits_total", "counter",
        "Requests refused by a rate limit, by route and limit.",
        [({"route": route, "limit": limit}, n)
         for (route, limit), n in sorted(snapshot.limit_hits.items())])
    return "\n".join(lines + _service_gauges(session)) + "\n"
