"""Searching the echo wall: the hits of a query with their snippets, replies related to a
text, and the rate limit of searching; what the wall, its API and the staff pages share."""

from __future__ import annotations

from flask import current_app
from markupsafe import Markup

from portal.db import db
from portal.extensions import limiter
from portal.search.index import SearchUnavailable, search_index
from portal.search.query import highlight_terms, more_like, search_ids, snippet

from .models import Publication
from .queries import WallFilters, publications_by_ids


def _search_rate_limit() -> str:
    return str(current_app.config["SEARCH_RATE_LIMIT"])


# One budget per client for the search page and the search API: either way a search costs
# the same (jieba and the index), so alternating between them must not double it.
search_limit = limiter.shared_limit(_search_rate_limit, scope="search")


def run_search(text: str, filters: WallFilters, page: int, per_page: int,
               newest: bool) -> tuple[list[tuple[Publication, Markup]], int]:
    """Search the index, load the hits from the database, and make their snippets.

    Raises ``SearchUnavailable`` when the index cannot answer.
    """
    hits = search_ids(search_index(), text, filters.as_dict(), page, per_page, newest)
    marks = highlight_terms(text)
    rows = []
    for pub in publications_by_ids(db.session, hits.ids):
        source = pub.reply if any(m.lower() in pub.reply.lower() for m in marks) else pub.letter
        rows.append((pub, snippet(source, marks)))
    return rows, hits.total


def related_replies(text: str, exclude_id: int = 0, limit: int = 5) -> list[Publication]:
    """Public replies about the same things as ``text``; none while search is down
    (a page that offers them as an extra never fails for them)."""
    try:
        ids = more_like(search_index(), exclude_id, text, limit=limit)
    except SearchUnavailable:
        return []
    return publications_by_ids(db.session, ids)
