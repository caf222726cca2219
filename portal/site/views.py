"""The home page, the privacy notice and the health check."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, render_template
from sqlalchemy import select, text

from portal.campaigns.models import Campaign
from portal.clock import local_today
from portal.db import db
from portal.notify.outbox import failed_count, pending_count
from portal.search.projection import index_health
from portal.wall.queries import WallFilters, wall_query

bp = Blueprint("site", __name__)


@bp.route("/")
def home() -> Any:
    """Explain the ways to reach the city; show open campaigns and the latest replies."""
    today = local_today()
    campaigns = db.session.scalars(
        select(Campaign)
        .where(Campaign.opens_on <= today, Campaign.closes_on >= today)
        .order_by(Campaign.closes_on)
        .limit(3)
    ).all()
    latest = db.session.scalars(wall_query(WallFilters()).limit(5)).all()
    return render_template("site/home.html", campaigns=campaigns, latest=latest)


@bp.route("/privacy")
def privacy() -> Any:
    """The privacy notice citizens agree to before submitting."""
    return render_template("site/privacy.html")


@bp.route("/healthz")
def healthz() -> Any:
    """Report the database, the search index folder and the mail queue, as JSON."""
    checks: dict[str, Any] = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
        checks["mail_queue"] = pending_count(db.session)
        checks["mail_failed"] = failed_count(db.session)
    except Exception:  # report, never raise: this is what the load balancer asks
        db.session.rollback()
        checks["database"] = "error"
        checks["mail_queue"] = checks["mail_failed"] = None
    checks["search_index"] = index_health(db.session if checks["database"] == "ok" else None)
    healthy = checks["database"] == "ok" and checks["search_index"] == "ok"
    body = {"status": "ok" if healthy else "degraded", **checks}
    return jsonify(body), 200 if checks["database"] == "ok" else 503
