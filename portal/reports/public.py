"""The public /stats page and its CSV downloads (docs/figures.md defines each number)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from werkzeug.wrappers import Response

from portal.clock import local_today
from portal.db import db
from portal.extensions import limiter
from portal.security import page_with_charts

from .render_csv import table_csv
from .stats import YearStats, year_stats, years

bp = Blueprint("stats", __name__, url_prefix="/stats")


def _chosen_year() -> tuple[YearStats, list[int]]:
    today = local_today()
    available = years(db.session, today)
    year = request.args.get("year", available[0], type=int)
    if year not in available:
        abort(404)
    return year_stats(db.session, year, today), available


@bp.route("")
@limiter.limit("60 per minute")
def index() -> Response:
    stats, available = _chosen_year()
    return page_with_charts(render_template("stats/index.html", stats=stats, years=available))


@bp.route("/<slug>.csv")
@limiter.limit("60 per minute")
def download(slug: str) -> Response:
    stats, _ = _chosen_year()
    block = stats.block(slug) or abort(404)
    return Response(table_csv(block.table), mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="stats-{stats.year}-{slug}.csv"'})
