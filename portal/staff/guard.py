"""Deny by default: every back-office blueprint requires a live staff session."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user, logout_user

from portal.auth.access import session_expired


def protect(bp: Blueprint) -> Blueprint:
    """Make every route of ``bp`` need a signed-in staff member whose session is valid."""

    @bp.before_request
    def _require_staff() -> Any:
        if not current_user.is_authenticated:
            # The page, not its query: a staff search may hold a phone number.
            return redirect(url_for("auth.login", next=request.path))
        reason = session_expired()
        if reason:
            logout_user()
            flash(reason, "warning")
            return redirect(url_for("auth.login"))
        return None

    @bp.after_request
    def _no_store(response: Any) -> Any:
        response.headers["Cache-Control"] = "no-store"  # staff pages carry personal data
        return response

    return bp
