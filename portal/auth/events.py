"""The security log: one append-only row per sign-in step, account change, export or
view of personal data (who, what, which object, when, from where, which request)."""

from __future__ import annotations

from flask import has_request_context, request

from portal.db import db
from portal.logs import request_id

from .models import SecurityEvent, StaffUser

COMMAND_LINE = "(命令行)"  # who, in the security log, for what an operator ran on the server


def record_security_event(action: str, *, user: StaffUser | None = None,
                          username: str | None = None, object_type: str | None = None,
                          object_id: int | None = None) -> None:
    """Add one row to the current transaction (no user and no name: a command run on
    the server)."""
    db.session.add(SecurityEvent(
        action=action,
        actor_id=user.id if user else None,
        username=(user.username if user else username or COMMAND_LINE)[:64],
        object_type=object_type,
        object_id=object_id,
        ip_address=request.remote_addr if has_request_context() else None,  # None: a command
        request_id=request_id(),
    ))
