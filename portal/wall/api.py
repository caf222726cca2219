"""JSON API of the echo wall: search, and similar replies for the letter form."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request, url_for

from portal.clock import w3c_datetime
from portal.extensions import limiter
from portal.search.index import SearchUnavailable
from portal.urls import external_url

from .queries import WallFilters
from .search import related_replies, run_search, search_limit

bp = Blueprint("api", __name__, url_prefix="/api")


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    value = request.args.get(name, default, type=int)
    return min(max(value if value is not None else default, low), high)


@bp.route("/search")
@search_limit
def search() -> Any:
    """Search published replies; public fields only."""
    text = request.args.get("q", "")[:200]
    page = _int_arg("page", 1, 1, 10_000)
    per_page = _int_arg("per_page", 10, 1, 50)
    filters = WallFilters.from_args(request.args)
    if not text.strip() and not filters.as_dict():
        return jsonify(total=0, page=page, per_page=per_page, results=[])
    try:
        rows, total = run_search(text, filters, page, per_page,
                                 request.args.get("sort") == "newest")
    except SearchUnavailable:
        return jsonify(error="search_unavailable", message="搜索暂时不可用，请稍后再试"), 503
    return jsonify(
        total=total, page=page, per_page=per_page,
        results=[{
            "id": pub.id, "title": pub.title, "department": pub.department_name,
            "category": pub.category_name, "replied_at": w3c_datetime(pub.replied_at),
            "url": external_url("wall.detail", publication_id=pub.id),  # never the Host header
            "snippet": str(snip),
        } for pub, snip in rows],
    )


@bp.route("/similar")
@limiter.limit("60 per minute")
def similar() -> Any:
    """Published replies like the letter being typed (title and first lines)."""
    text = request.args.get("q", "")[:200]
    if len(text.strip()) < 2:
        return jsonify(results=[])
    pubs = related_replies(text)
    return jsonify(results=[{
        "id": pub.id, "title": pub.title, "department": pub.department_name,
        "url": url_for("wall.detail", publication_id=pub.id),
    } for pub in pubs])
