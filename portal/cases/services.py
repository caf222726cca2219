"""Every write to a case: ``submit_case`` and ``perform`` (the one way a status changes).

Services add and flush; they never commit. The view or CLI command that calls
them commits once, so a case, its audit event and its outbox rows land together.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask import has_request_context, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.chinese import letter_words
from portal.clock import local_today
from portal.db import utcnow
from portal.logs import request_id
from portal.notify.models import OutboundMail
from portal.notify.outbox import queue_mail

from .attachments import PreparedUpload, store_upload
from .deadlines import acceptance_deadline
from .duplicates import content_fingerprint, copied_from_elsewhere
from .models import Attachment, Case, CaseEvent, Contact
from .tracking import new_tracking_code, tracking_link_url
from .workflow import (
    TRANSITIONS,
    Action,
    Actor,
    Channel,
    Kind,
    Role,
    TransitionRefused,
    acting_role,
    refusal,
)

NEW_LINK_TEMPLATE = "tracking_link"
NEW_LINK_INTERVAL = dt.timedelta(minutes=10)


@dataclass
class ContactData:
    phone: str | None  # None only where an e-mail address is given (Open311 clients)
    name: str | None = None
    salutation: str | None = None
    email: str | None = None


@dataclass
class Submission:
    """A new case as the citizen (or an operator) typed it, already validated."""

    channel: Channel
    kind: Kind
    title: str
    content: str
    contact: ContactData
    category_id: int | None = None
    campaign_id: int | None = None
    proposal: str | None = None
    benefit: str | None = None
    location: str | None = None
    consent_publish: bool = False
    submission_token: str | None = None
    uploads: list[PreparedUpload] = field(default_factory=list)


def perform(session: Session, case: Case, action: Action, actor: Actor,
            note: str | None = None, *, flush: bool = True) -> CaseEvent:
    """Apply one transition of the workflow table, with its audit event; raise if refused.

    The only place a case's status changes. Callers (the verbs in ``handling``) set
    the facts that belong to the action after this returns; a batch (the archive
    import) passes ``flush=False`` and flushes many cases at once.
    """
    reason = refusal(action, case, actor)
    if reason is not None:
        raise TransitionRefused(reason)
    transition = TRANSITIONS[action]
    role = acting_role(action, case, actor)
    assert role is not None
    target = transition.target_from(case.status)
    # The system has no address of its own; the request's is a citizen's, which the rules
    # for citizens' addresses (the purge, A33's export) know only on the citizen's steps.
    from_request = has_request_context()
    event = CaseEvent(
        action=action,
        from_status=case.status,
        to_status=target,
        actor_id=actor.staff_id,
        actor_role=role,
        department_id=case.department_id,
        note=note,
        is_public=transition.public,
        ip_address=request.remote_addr if from_request and role is not Role.SYSTEM else None,
        request_id=request_id() if from_request else None,
    )
    case.status = target
    case.updated_at = utcnow()
    case.events.append(event)
    if flush:
        session.flush()
    return event


def find_by_submission_token(session: Session, token: str) -> Case | None:
    return session.scalar(select(Case).where(Case.submission_token == token))


def submit_case(session: Session, submission: Submission, actor: Actor) -> Case:
    """Create a case from a submission: attachments on disk, audit event, confirmation mail.

    A web letter whose text another address sent within ``DUPLICATE_HOLD_HOURS`` is held
    for an operator (A30); its citizen is told, as any other, that it was received.
    """
    contact = submission.contact
    now = utcnow()
    case = Case(
        submitted_at=now,
        accept_due_at=acceptance_deadline(session, now),
        tracking_code=new_tracking_code(submission.channel, local_today().year),
        channel=submission.channel,
        kind=submission.kind,
        title=submission.title,
        content=submission.content,
        proposal=submission.proposal,
        benefit=submission.benefit,
        location=submission.location or None,
        category_id=submission.category_id,
        campaign_id=submission.campaign_id,
        consent_publish=submission.consent_publish,
        submission_token=submission.submission_token,
        content_fingerprint=content_fingerprint(submission.title, submission.content),
        topic_words=letter_words(submission.title, submission.content),
        contact=Contact(
            name=contact.name or None,
            salutation=contact.salutation or None,
            phone=contact.phone,
            email=contact.email or None,
        ),
    )
    session.add(case)
    for upload in submission.uploads:
        case.attachments.append(
            Attachment(
                filename=upload.filename,
                content_type=upload.content_type,
                size_bytes=len(upload.data),
                sha256=upload.sha256,
                storage_key=store_upload(session, upload),
            )
        )
    submitted = perform(session, case, Action.SUBMIT, actor)
    if copied_from_elsewhere(session, case, submitted.ip_address):
        perform(session, case, Action.HOLD, Actor.system())
    if case.contact and case.contact.email:
        queue_mail(
            session,
            recipient=case.contact.email,
            subject=f"您的{case.channel.label}诉求已收到（受理编号 {case.tracking_code}）",
            template="submission_received",
            case_id=case.id,
            case=case,
            track_url=tracking_link_url(case.tracking_code),
        )
    return case


def mail_tracking_link(session: Session, case: Case) -> str | None:
    """Mail the citizen a fresh tracking link, as asked on the tracking page; return the
    address, or None when the case has none.

    At most one such mail per case in ``NEW_LINK_INTERVAL``: whoever knows the code and the
    phone digits must not be able to fill the citizen's mailbox from many addresses.
    """
    address = case.contact.email if case.contact else None
    if not address:
        return None
    recent = session.scalar(select(OutboundMail.id).where(
        OutboundMail.case_id == case.id, OutboundMail.template == NEW_LINK_TEMPLATE,
        OutboundMail.created_at > utcnow() - NEW_LINK_INTERVAL).limit(1))
    if recent is None:
        queue_mail(session, recipient=address,
                   subject=f"您的诉求查询链接（受理编号 {case.tracking_code}）",
                   template=NEW_LINK_TEMPLATE, case_id=case.id, case=case,
                   track_url=tracking_link_url(case.tracking_code))
    return address
