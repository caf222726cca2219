"""The echo wall as open data: ``/api/wall.json`` (paged) and ``/api/wall.csv`` (whole),
the public fields of public publications only. Schema: ``docs/open-data.md``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Blueprint, jsonify, request
from werkzeug.wrappers import Response

from portal.clock import w3c_datetime
from portal.csvexport import csv_response
from portal.db import db
from portal.extensions import limiter
from portal.pagination import paginate
from portal.urls import external_url

from .models import Publication
from .queries import OPEN_DATA_MAX_PER_PAGE, OPEN_DATA_PER_PAGE, WallFilters, wall_query

bp = Blueprint("opendata", __name__, url_prefix="/api")

FIELDS = ["id", "url", "title", "letter", "reply", "department", "category", "kind",
          "channel", "adoption", "satisfaction", "address", "submitted_at", "replied_at",
          "published_at", "days_taken"]


def public_record(pub: Publication) -> dict[str, Any]:
    """One published item: the redacted texts and facts the wall shows, nothing else."""
    return {
        "id": pub.id,
        "url": external_url("wall.detail", publication_id=pub.id),
        "title": pub.title,
        "letter": pub.letter,
        "reply": pub.reply,
        "department": pub.department_name,
        "category": pub.category_name,
        "kind": pub.kind.value,
        "channel": pub.channel.value,
        "adoption": pub.adoption.value if pub.adoption else None,
        "satisfaction": pub.satisfaction.value if pub.satisfaction else None,
        "address": pub.address,
        "submitted_at": w3c_datetime(pub.submitted_at),
        "replied_at": w3c_datetime(pub.replied_at),
        "published_at": w3c_datetime(pub.published_at),
        "days_taken": pub.days_taken,
    }


@bp.route("/wall.json")
@limiter.limit("60 per minute")
def wall_json() -> Any:
    """One page of the wall, newest reply first, with the wall's filters."""
    filters = WallFilters.from_args(request.args)
    per_page = min(max(request.args.get("per_page", OPEN_DATA_PER_PAGE, type=int)
                       or OPEN_DATA_PER_PAGE, 1), OPEN_DATA_MAX_PER_PAGE)
    page = paginate(db.session, wall_query(filters), request.args.get("page", 1, type=int) or 1,
                    per_page)
    following = external_url("opendata.wall_json", page=page.page + 1, per_page=per_page,
                             **filters.as_dict()) if page.has_next else None
    return jsonify(total=page.total, page=page.page, per_page=per_page, pages=page.pages,
                   next=following, results=[public_record(p) for p in page.items])


@bp.route("/wall.csv")
@limiter.limit("10 per minute")
def wall_csv() -> Response:
    """The whole wall (with the wall's filters) as one CSV file, streamed."""
    filters = WallFilters.from_args(request.args)
    db.session.connection()  # unreachable? then 503 now, not a download broken off later

    def rows() -> Iterator[list[Any]]:
        # Runs while streaming, in a session of its own: the view's is closed by then.
        for pub in db.session.scalars(wall_query(filters).execution_options(yield_per=500)):
            record = public_record(pub)
            yield [record[f] for f in FIELDS]

    return csv_response(FIELDS, rows(), "wall.csv")
