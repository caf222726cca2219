"""The sign-in throttle's pieces, shared by every page that checks a staff password."""

from __future__ import annotations

from flask import current_app
from werkzeug.wrappers import Response


def login_limit() -> str:
    """Attempts allowed per client and per account (``LOGIN_RATE_LIMIT``)."""
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def failed(response: Response) -> bool:
    """Only failed attempts count against the limit."""
    return response.status_code >= 400
