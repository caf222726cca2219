"""``/api/openapi.json``: the machine-readable description of the portal's APIs."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from portal.extensions import limiter

from .document import openapi_document

bp = Blueprint("openapi", __name__, url_prefix="/api")


@bp.route("/openapi.json")
@limiter.limit("60 per minute")
def openapi() -> Any:
    """Describe ``/api/*`` and ``/open311/v2/*`` in OpenAPI 3."""
    return jsonify(openapi_document())
