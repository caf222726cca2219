"""Reply templates (常用答复) owners start from, per category; retired, never deleted.

Each write is in the security log; none commits.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from portal.auth.events import record_security_event
from portal.auth.models import StaffUser

from .models import CannedReply
from .reference import set_active


def add_canned_reply(session: Session, *, category_id: int | None, title: str, body: str,
                     by: StaffUser) -> CannedReply:
    """Add a template, for one category or (None) for all."""
    reply = CannedReply(category_id=category_id, title=title, body=body)
    session.add(reply)
    session.flush()
    record_security_event("add_canned_reply", user=by, object_type="canned_reply",
                          object_id=reply.id)
    return reply


def edit_canned_reply(reply: CannedReply, *, category_id: int | None, title: str, body: str,
                      by: StaffUser) -> None:
    """Change a template's category, title or text."""
    reply.category_id, reply.title, reply.body = category_id, title, body
    record_security_event("edit_canned_reply", user=by, object_type="canned_reply",
                          object_id=reply.id)


def set_canned_reply_active(reply: CannedReply, active: bool, by: StaffUser) -> None:
    """Retire a template (owners no longer see it) or offer it again."""
    set_active(reply, "canned_reply", active, by)
