"""Publishing to the echo wall: propose a redacted version, publish, refuse, withdraw.

Every step goes through ``perform`` (audited) and every change to what is public
writes a ``search_outbox`` row in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from portal.cases.models import Case
from portal.cases.services import perform
from portal.cases.workflow import Action, Actor
from portal.db import utcnow
from portal.dispatch import mark_pending
from portal.privacy.redact import Redaction, citizen_label, redact

from .models import Publication, SearchOutbox


@dataclass
class Proposal:
    """What the moderator starts from: each text redacted, with its masks for the diff."""

    title: Redaction
    letter: Redaction
    reply: Redaction
    address: Redaction
    citizen: str


def _letter_of(case: Case) -> str:
    parts = [case.content]
    if case.proposal:
        parts.append("具体建议：" + case.proposal)
    if case.benefit:
        parts.append("预期效果：" + case.benefit)
    return "\n\n".join(parts)


def propose(case: Case) -> Proposal:
    names = case.citizen_names
    contact = case.contact
    return Proposal(
        title=redact(case.title, names),
        letter=redact(_letter_of(case), names),
        reply=redact(case.reply or "", names),
        address=redact(case.location or "", names),
        citizen=citizen_label(contact.name if contact else None,
                              contact.salutation if contact else None),
    )


def queue_index(session: Session, publication: Publication, op: str) -> None:
    """Add an outbox row for the index. On PostgreSQL, publishing transactions take
    turns here, so outbox ids commit in order and a sync never skips a late one."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE search_outbox IN SHARE ROW EXCLUSIVE MODE"))
    session.add(SearchOutbox(publication_id=publication.id, op=op))
    mark_pending(session, "search")


def publish_case(session: Session, case: Case, actor: Actor, *, title: str, letter: str,
                 reply: str, address: str | None = None) -> Publication:
    """公开: store the public copy (redacted again, whatever was typed) and index it.

    ``address`` is the place as the moderator lets it be public; None keeps it private.
    """
    names = case.citizen_names
    perform(session, case, Action.PUBLISH, actor)
    contact = case.contact
    fields = {
        "title": redact(title, names).text[:200],
        "letter": redact(letter, names).text,
        "reply": redact(reply, names).text,
        "address": redact(address, names).text[:200] if address else None,
        "citizen_label": citizen_label(contact.name if contact else None,
                                       contact.salutation if contact else None),
        "department_name": case.department.name if case.department else "市政府办公室",
        "category_name": case.category.name if case.category else "其他",
        "kind": case.kind, "channel": case.channel,
        "adoption": case.adoption, "satisfaction": case.satisfaction,
        "submitted_at": case.submitted_at, "replied_at": case.replied_at or utcnow(),
        "is_public": True, "published_at": utcnow(), "withdrawn_at": None,
    }
    pub = case.publication
    if pub is None:
        pub = Publication(**fields)
        session.add(pub)
        case.publication = pub
    else:
        for name, value in fields.items():
            setattr(pub, name, value)
    session.flush()
    queue_index(session, pub, "index")
    return pub


def refuse_publication(session: Session, case: Case, actor: Actor, reason: str) -> None:
    """不予公开: the moderator decides this case stays off the wall."""
    perform(session, case, Action.REFUSE_PUBLICATION, actor, note=reason)


def withdraw_publication(session: Session, case: Case, actor: Actor, reason: str) -> None:
    """撤回: off the wall and out of search at once."""
    perform(session, case, Action.WITHDRAW, actor, note=reason)
    assert case.publication is not None
    case.publication.is_public = False
    case.publication.withdrawn_at = utcnow()
    queue_index(session, case.publication, "delete")
