"""Public pages of the themed suggestion campaigns."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, abort, render_template, send_file
from sqlalchemy import select
from werkzeug.wrappers import Response

from portal.cases.attachments import attachment_root
from portal.clock import local_today
from portal.db import db

from .models import Campaign
from .queries import adopted_publications, submission_count

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")


@bp.route("")
def index() -> Any:
    """List campaigns: open ones first, then upcoming, then closed."""
    today = local_today()
    campaigns = db.session.scalars(select(Campaign).order_by(Campaign.closes_on.desc())).all()
    groups: dict[str, list[Campaign]] = {"open": [], "upcoming": [], "closed": []}
    for campaign in campaigns:
        groups[campaign.phase(today)].append(campaign)
    return render_template("campaigns/index.html", groups=groups, today=today)


@bp.route("/<id:campaign_id>")
def detail(campaign_id: int) -> Any:
    """Show one campaign: the call and, while it is open, the way to take part; once
    closed, its results."""
    campaign = db.session.get(Campaign, campaign_id) or abort(404)
    phase = campaign.phase(local_today())
    results = adopted_publications(db.session, campaign) if phase == "closed" else []
    return render_template("campaigns/detail.html", campaign=campaign, phase=phase,
                           submissions=submission_count(db.session, campaign), results=results)


@bp.route("/<id:campaign_id>/cover")
def cover(campaign_id: int) -> Response:
    """The campaign's cover image (stored outside ``static/``, checked when uploaded)."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or not campaign.cover_key or not campaign.cover_type:
        abort(404)
    path = attachment_root() / campaign.cover_key
    if not Path(path).is_file():
        abort(404)
    response = send_file(path, mimetype=campaign.cover_type, max_age=3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
