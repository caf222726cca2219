"""Public pages of the themed suggestion campaigns."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template
from sqlalchemy import func, select

from portal.cases.models import Case
from portal.clock import local_today
from portal.db import db

from .models import Campaign

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
    """Show one campaign and, while it is open, the way to take part."""
    campaign = db.session.get(Campaign, campaign_id) or abort(404)
    count = db.session.scalar(
        select(func.count()).select_from(Case).where(Case.campaign_id == campaign.id)
    )
    return render_template("campaigns/detail.html", campaign=campaign,
                           phase=campaign.phase(local_today()), submissions=count)
