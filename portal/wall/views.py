"""The echo wall for the public and the media: list, detail, search, Atom feed."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, render_template, request
from markupsafe import Markup
from werkzeug.wrappers import Response

from portal.db import db, utcnow
from portal.media.queries import appearances
from portal.pagination import Page, paginate
from portal.search.index import SearchUnavailable
from portal.urls import external_url

from .models import Publication
from .queries import WallFilters, facet_options, wall_query
from .search import related_replies, run_search, search_limit

bp = Blueprint("wall", __name__)
PER_PAGE = 20


def _page_number() -> int:
    page = request.args.get("page", 1, type=int) or 1
    return min(max(page, 1), 10_000)


@bp.route("/wall")
def index() -> Any:
    """Published replies, newest first, with filters."""
    filters = WallFilters.from_args(request.args)
    page = paginate(db.session, wall_query(filters), _page_number(), PER_PAGE)
    return render_template("wall/index.html", page=page, filters=filters,
                           facets=facet_options(db.session), args=_args(),
                           carried=appearances(db.session, [p.id for p in page.items]))


def _args() -> dict[str, str]:
    return {k: v for k, v in request.args.items() if k != "page"}


@bp.route("/wall/<id:publication_id>")
def detail(publication_id: int) -> Any:
    """One published letter and its reply, with related replies."""
    pub = db.session.get(Publication, publication_id)
    if pub is None or not pub.is_public:
        abort(404)
    related = related_replies(f"{pub.title} {pub.letter[:200]}", exclude_id=pub.id)
    return render_template("wall/detail.html", pub=pub, related=related,
                           carried=appearances(db.session, [pub.id] + [p.id for p in related]))


@bp.route("/search")
@search_limit
def search() -> Any:
    """Full-text search of the published replies."""
    text = request.args.get("q", "")[:200]
    filters = WallFilters.from_args(request.args)
    newest = request.args.get("sort") == "newest"
    page_no = _page_number()
    unavailable, total = False, 0
    rows: list[tuple[Publication, Markup]] = []
    if text.strip() or filters.as_dict():
        try:
            rows, total = run_search(text, filters, page_no, PER_PAGE, newest)
        except SearchUnavailable as exc:
            current_app.logger.warning("search unavailable: %s", exc)
            unavailable = True
    page = Page(rows, total, page_no, PER_PAGE)
    return render_template("wall/search.html", q=text, page=page,
                           filters=filters, facets=facet_options(db.session), newest=newest,
                           unavailable=unavailable, args=_args(),
                           carried=appearances(db.session, [p.id for p, _ in rows])
                           ), 503 if unavailable else 200


@bp.route("/feeds/wall.atom")
def feed() -> Response:
    """The newest replies as an Atom feed (``?department=`` or ``?category=`` narrow it)."""
    filters = WallFilters.from_args(request.args)
    items = db.session.scalars(wall_query(filters).limit(50)).all()
    body = render_template("wall/feed.xml", items=items, filters=filters, now=utcnow(),
                           self_url=external_url("wall.feed", **filters.as_dict()))
    return Response(body, mimetype="application/atom+xml")
