"""``GET /metrics`` for Prometheus, behind a bearer token (``METRICS_TOKEN``).

Without the right token the answer is the site's ordinary 404, the same as when no token
is configured, so a stranger cannot tell whether the endpoint exists. Programs send no
cookie and the route only reads: no session, no CSRF token, no rate limit to trip a
scraper.
"""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, abort, current_app, request

from portal.db import db

from .exposition import CONTENT_TYPE, prometheus_text
from .store import MetricsUnavailable

bp = Blueprint("metrics", __name__)


def _authorised() -> bool:
    expected = current_app.config["METRICS_TOKEN"]
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return bool(expected) and scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), expected.encode())


@bp.get("/metrics")
def prometheus() -> Response:
    if not _authorised():
        abort(404)
    try:
        body, status = prometheus_text(db.session), 200
    except MetricsUnavailable:  # a failed scrape: Prometheus' `up` becomes 0
        body, status = "metrics storage unavailable\n", 503
    response = Response(body, status, content_type=CONTENT_TYPE)
    response.headers["Cache-Control"] = "no-store"
    return response
