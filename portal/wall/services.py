"""Publishing to the echo wall: propose a redacted version, publish, refuse, withdraw.

Every step goes through ``perform`` (audited) and every change to what is public
writes a ``search_outbox`` row in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from portal.cases.models import Case
from portal.cases.services import perform
from portal.cases.workflow import Action, Actor
from portal.db import utcnow
from portal.dispatch import mark_pending

from .models import Publication, SearchOutbox
from .redact import Redaction, citizen_label, redact


@dataclass
class Proposal:
    """What the moderator starts from: each text redacted, with its masks for the diff."""

    title: Redaction
    letter: Redaction
    reply: Redaction
    citizen: str


def _names(case: Case) -> list[str]:
    return [case.contact.name] if case.contact and case.contact.name else []


def _letter_of(case: Case) -> str:
    parts = [case.content]
    if case.proposal:
        parts.append("具体建议：" + case.proposal)
    if case.benefit:
        parts.append("预期效果：" + case.benefit)
    return "\n\n".join(parts)


def propose(case: Case) -> Proposal:
    names = _names(case)
    contact = case.contact
    return Proposal(
        title=redact(case.title, names),
        letter=redact(_letter_of(case), names),
        reply=redact(case.reply or "", names),
        citizen=citizen_label(contact.name if contact else None,
                              contact.salutation if contact else None),
    )


def queue_index(session: Session, publication: Publication, op: str) -> None:
    session.add(SearchOutbox(publication_id=publication.id, op=op))
    mark_pending(session, "search")


def publish_case(session: Session, case: Case, actor: Actor, *, title: str, letter: str,
                 reply: str) -> Publication:
    """公开: store the public copy (redacted again, whatever was typed) and index it."""
    names = _names(case)
    perform(session, case, Action.PUBLISH, actor)
    pub = case.publication or Publication(case=case)
    contact = case.contact
    pub.title = redact(title, names).text[:200]
    pub.letter = redact(letter, names).text
    pub.reply = redact(reply, names).text
    pub.citizen_label = citizen_label(contact.name if contact else None,
                                      contact.salutation if contact else None)
    pub.department_name = case.department.name if case.department else "市政府办公室"
    pub.category_name = case.category.name if case.category else "其他"
    pub.kind, pub.channel = case.kind, case.channel
    pub.adoption, pub.satisfaction = case.adoption, case.satisfaction
    pub.submitted_at = case.submitted_at
    pub.replied_at = case.replied_at or utcnow()
    pub.is_public, pub.published_at, pub.withdrawn_at = True, utcnow(), None
    session.add(pub)
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
