"""Count every response by route, method and status class, and warn in the log when a
minute has more server errors or refused requests than configured."""

from __future__ import annotations

import logging

from flask import Flask, current_app, request
from werkzeug.wrappers import Response

from portal.db import utcnow
from portal.extensions import limiter

from .store import MetricsStore, ResponseKey, open_store

log = logging.getLogger(__name__)

EXTENSION = "portal.metrics"
NO_ROUTE = "(no route)"  # an unknown URL, or a method the URL does not take
# Any other word is a valid method to Werkzeug: counting it as given would let a client
# invent label values without end.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# The status classes that have a per-minute alert, and the setting of each.
ALERT_SETTINGS = {"5xx": "METRICS_ALERT_5XX_PER_MINUTE", "429": "METRICS_ALERT_429_PER_MINUTE"}
MIN_TOKEN_LENGTH = 32


def status_class(code: int) -> str:
    """``2xx`` … ``5xx``; 429 is a class of its own, not part of ``4xx``, so that the
    classes of a route add up to its total."""
    return "429" if code == 429 else f"{code // 100}xx"


def response_key(code: int) -> ResponseKey:
    """The current request's labels: its URL rule (``/wall/<id:publication_id>``)."""
    rule = request.url_rule
    method = request.method if request.method in METHODS else "OTHER"
    return ResponseKey(rule.rule if rule else NO_ROUTE, method, status_class(code))


def current_minute() -> int:
    return int(utcnow().timestamp() // 60)


def metrics_store() -> MetricsStore:
    store: MetricsStore = current_app.extensions[EXTENSION]
    return store


def alert_thresholds() -> dict[str, int]:
    """Per-minute thresholds by status class; 0 turns an alert off."""
    return {status: int(current_app.config[name]) for status, name in ALERT_SETTINGS.items()}


def breached_limit() -> str | None:
    """The rate limit that refused this request, as Flask-Limiter writes it
    (``10 per 1 minute``); several limits on one route tell apart by it."""
    return next((str(hit.limit) for hit in limiter.current_limits if hit.breached), None)


def count_response(response: Response) -> Response:
    key = response_key(response.status_code)
    seen = metrics_store().record(current_minute(), key,
                                  breached_limit() if key.status == "429" else None)
    threshold = alert_thresholds().get(key.status, 0)
    # Counts rise one by one, so exactly one response per minute sees threshold + 1: one
    # log line a minute, and with Redis one for the whole deployment.
    if threshold and seen == threshold + 1:
        log.warning("more than %d %s responses this minute (%s); the latest: %s %s",
                    threshold, key.status, ALERT_SETTINGS[key.status], key.method, key.route)
    return response


def init_app(app: Flask) -> None:
    token = app.config["METRICS_TOKEN"]
    if token and len(token) < MIN_TOKEN_LENGTH:
        raise RuntimeError(f"METRICS_TOKEN must be at least {MIN_TOKEN_LENGTH} characters "
                           "of random data")
    uri = app.config["METRICS_STORAGE_URI"] or app.config["RATELIMIT_STORAGE_URI"]
    app.extensions[EXTENSION] = open_store(uri, app.config["METRICS_KEY_PREFIX"])
    # Registered early, so it runs after the other after_request functions: it counts
    # the status that is finally sent.
    app.after_request(count_response)
