"""Queue mail in the caller's transaction; deliver it after commit, with retries.

``queue_mail`` only adds a row. After the session commits, ``portal.dispatch`` runs
``deliver_due`` as ``OUTBOX_DISPATCH`` says. A failed send is retried with
exponential back-off; nothing is ever dropped.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from dataclasses import dataclass
from typing import Any

from flask import Flask, render_template
from flask_mail import BadHeaderError, Message
from sqlalchemy import CursorResult, func, or_, select, update
from sqlalchemy.orm import Session

from portal.db import db, utcnow
from portal.dispatch import AfterCommitWorker, mark_pending
from portal.extensions import mail

from .models import OutboundMail

log = logging.getLogger(__name__)

UNDELIVERABLE = (BadHeaderError, smtplib.SMTPRecipientsRefused, UnicodeError)
CLAIM_SECONDS = 120
MAX_BACKOFF_SECONDS = 3600


def queue_mail(session: Session, *, recipient: str, subject: str, template: str,
               case_id: int | None = None, **context: Any) -> OutboundMail:
    """Render ``email/<template>.txt``/``.html`` now and add the message to the outbox."""
    row = OutboundMail(
        recipient=recipient,
        subject=subject,
        template=template,
        body_text=render_template(f"email/{template}.txt", **context),
        body_html=render_template(f"email/{template}.html", **context),
        case_id=case_id,
    )
    session.add(row)
    mark_pending(session, "mail")
    return row


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS))


def pending_count(session: Session) -> int:
    """Messages still to be sent (not those given up as undeliverable)."""
    return session.scalar(select(func.count()).where(
        OutboundMail.sent_at.is_(None), OutboundMail.failed_at.is_(None))) or 0


def failed_count(session: Session) -> int:
    return session.scalar(select(func.count()).where(OutboundMail.failed_at.is_not(None))) or 0


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0


def _claim(session: Session, row_id: int, now: dt.datetime) -> bool:
    """Take a row for this worker, so two workers never send the same message."""
    result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(OutboundMail)
        .where(
            OutboundMail.id == row_id,
            OutboundMail.sent_at.is_(None),
            or_(OutboundMail.claimed_until.is_(None), OutboundMail.claimed_until < now),
        )
        .values(claimed_until=now + dt.timedelta(seconds=CLAIM_SECONDS))
    )
    session.commit()
    return result.rowcount == 1


def deliver_due(app: Flask, *, include_waiting: bool = False, limit: int | None = None
                ) -> DeliveryReport:
    """Send unsent mail whose retry time has come (or all unsent, if ``include_waiting``)."""
    report = DeliveryReport()
    session = db.new_session(app)
    try:
        now = utcnow()
        query = select(OutboundMail.id).where(OutboundMail.sent_at.is_(None),
                                              OutboundMail.failed_at.is_(None))
        if not include_waiting:
            query = query.where(OutboundMail.next_attempt_at <= now)
        query = query.order_by(OutboundMail.id).limit(limit or app.config["OUTBOX_BATCH"])
        for row_id in session.scalars(query).all():
            if not _claim(session, row_id, now):
                continue
            row = session.get(OutboundMail, row_id, populate_existing=True)
            assert row is not None
            row.attempts += 1
            try:
                mail.send(Message(subject=row.subject, recipients=[row.recipient],
                                  body=row.body_text, html=row.body_html))
            except UNDELIVERABLE as exc:  # retrying cannot fix the message itself
                row.failed_at = utcnow()
                row.last_error = f"{type(exc).__name__}: {exc}"[:500]
                report.failed += 1
                log.error("mail %s is undeliverable: %s", row.id, type(exc).__name__)
            except Exception as exc:  # any SMTP or socket error: retry later
                row.next_attempt_at = utcnow() + backoff(row.attempts)
                row.last_error = f"{type(exc).__name__}: {exc}"[:500]
                report.failed += 1
                log.warning("mail %s not sent (attempt %s): %s", row.id, row.attempts,
                            type(exc).__name__)
            else:
                row.sent_at = utcnow()
                row.last_error = None
                report.sent += 1
            row.claimed_until = None
            session.commit()
    finally:
        session.close()
    return report


def init_app(app: Flask) -> None:
    app.extensions["portal.outbox"] = AfterCommitWorker(app, "mail", "OUTBOX_DISPATCH",
                                                        deliver_due)
