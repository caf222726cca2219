"""A citizen's own data (docs/security.md A27; PIPL Art. 45, 47): a copy to download, and
erasure on request once the case has ended.

Only someone who opened the tracking page (tracking code and phone digits, or the
signed link from the confirmation mail) gets a token for these, valid for half an hour
and for that one case. Erasure is the same PURGE as the retention job, asked for by the
citizen; while a case is open its contact data is still needed to answer.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from portal.cases.models import Case
from portal.cases.workflow import Actor
from portal.clock import w3c_datetime
from portal.db import utcnow
from portal.privacy.retention import ENDED, purge_cases

TOKEN_MAX_AGE = 30 * 60  # seconds: the time someone spends on their tracking page


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="portal.own-data")


def own_data_token(case: Case) -> str:
    """Signed proof that this browser opened ``case``'s tracking page."""
    return _serializer().dumps([case.id, case.tracking_code])


def case_for_token(session: Session, token: str) -> Case | None:
    """The case of a valid, unexpired token whose personal data is still there."""
    try:
        found = _serializer().loads(token or "", max_age=TOKEN_MAX_AGE)
    except BadSignature:
        return None
    if not (isinstance(found, list) and len(found) == 2 and isinstance(found[0], int)):
        return None
    case = session.get(Case, found[0])
    if case is None or case.tracking_code != found[1] or case.personal_data_purged_at:
        return None
    return case


def may_erase(case: Case) -> bool:
    return case.status in ENDED and case.personal_data_purged_at is None


def erase_on_request(session: Session, case: Case) -> None:
    """Erase ``case``'s personal data now, as the citizen asked (the caller commits)."""
    purge_cases(session, [case.id], utcnow(), Actor.citizen(), note="应本人申请删除个人信息")


def _when(value: Any) -> str | None:
    return w3c_datetime(value) if value else None


def export(case: Case) -> dict[str, Any]:
    """Everything the portal holds that the citizen gave or was told, as JSON."""
    contact = case.contact
    return {
        "tracking_code": case.tracking_code,
        "channel": case.channel.label,
        "kind": case.kind.label,
        "category": case.category.name if case.category else None,
        "campaign": case.campaign.title if case.campaign else None,
        "submitted_at": _when(case.submitted_at),
        "status": case.status.label,
        "title": case.title,
        "content": case.content,
        "proposal": case.proposal,
        "benefit": case.benefit,
        "location": case.location,
        "contact": {
            "name": contact.name if contact else None,
            "salutation": contact.salutation if contact else None,
            "phone": contact.phone if contact else None,
            "email": contact.email if contact else None,
            "agreed_to_privacy_notice_at": _when(contact.consented_privacy_at) if contact else None,
        },
        "agreed_to_publication": case.consent_publish,
        "attachments": [a.filename for a in case.attachments],
        "department": case.department.name if case.department else None,
        "reply": case.reply,
        "replied_at": _when(case.replied_at),
        "adoption": case.adoption.label if case.adoption else None,
        "satisfaction": case.satisfaction.label if case.satisfaction else None,
        "progress": [{"at": _when(e.created_at), "step": e.public_text}
                     for e in case.public_events],
        "exported_at": _when(utcnow()),
    }
