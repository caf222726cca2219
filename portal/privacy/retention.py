"""Retention (docs/security.md A26): ``flask --app wsgi purge-personal-data``, run by cron.

A case that ended (closed, declined, or merged into another) more than
``PII_RETENTION_DAYS`` days ago loses the citizen's name, phone and e-mail, its place,
its attachments, an Open311 client's coordinates and extra fields, the mail sent about
it and the addresses the citizen wrote from; its texts, the notes of its audit trail,
co-handling opinions and extension reasons are redacted as a publication would be. The
case, its audit trail (who did what, when) and the published (redacted) copy stay.
Idempotent: a purged case is stamped and skipped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from portal.cases.attachments import discard_attachments
from portal.cases.models import Case, CaseEvent
from portal.cases.services import perform
from portal.cases.workflow import TRANSITIONS, Action, Actor, Role
from portal.db import db, utcnow
from portal.notify.models import OutboundMail
from portal.open311.models import Open311Request
from portal.privacy.redact import redact

ENDED = TRANSITIONS[Action.PURGE].sources  # closed (a merged case is closed) or declined
BATCH = 500
TEXTS = ("title", "content", "proposal", "benefit", "answer", "reply")


def _free_texts(case: Case) -> Iterator[tuple[object, str]]:
    """Where people wrote about ``case`` in their own words: the letter and the reply, the
    audit trail's notes (the citizen's survey comment, "已电话联系…"), co-handling opinions
    and extension reasons, as (row, attribute)."""
    yield from ((case, name) for name in TEXTS)
    yield from ((event, "note") for event in case.events)
    yield from ((co, "opinion") for co in case.co_handlings)
    yield from ((extension, "reason") for extension in case.extensions)


def due_for_purge(session: Session, now: dt.datetime, days: int) -> list[int]:
    """Ids of ended cases whose last step is older than ``days``, not yet purged."""
    last_step = (select(CaseEvent.case_id, func.max(CaseEvent.created_at).label("at"))
                 .group_by(CaseEvent.case_id).subquery())
    return list(session.scalars(
        select(Case.id).join(last_step, last_step.c.case_id == Case.id)
        .where(Case.status.in_(ENDED), Case.personal_data_purged_at.is_(None),
               last_step.c.at < now - dt.timedelta(days=days))
        .order_by(Case.id)))


def purge_cases(session: Session, case_ids: list[int], now: dt.datetime,
                actor: Actor | None = None, note: str = "已过保存期限") -> None:
    """Erase the personal data of these cases, each with its audit event (the caller
    commits). The retention job does it as the system; a citizen may ask for it."""
    for case in session.scalars(select(Case).where(Case.id.in_(case_ids))):
        perform(session, case, Action.PURGE, actor or Actor.system(), note=note)
        names = case.citizen_names  # before the letter's own labels are masked
        for row, name in _free_texts(case):  # a phone number written into the letter, say
            if value := getattr(row, name):
                setattr(row, name, redact(value, names).text)
        for event in case.events:
            if event.actor_role == Role.CITIZEN:  # staff's addresses stay: they audit staff
                event.ip_address = None
        if case.contact is not None:
            case.contact.name = case.contact.phone = case.contact.email = None
        case.location = None
        case.content_fingerprint = None  # taken from the letter as written, before redaction
        case.topic_words = None  # likewise: cut again from the redacted text when needed
        discard_attachments(session, list(case.attachments))  # photos show people, plates
        case.personal_data_purged_at = now
    for row in session.scalars(select(Open311Request)
                               .where(Open311Request.case_id.in_(case_ids))):
        row.lat = row.long = None
        row.attributes = {}
    session.execute(delete(OutboundMail).where(
        OutboundMail.case_id.in_(case_ids),
        or_(OutboundMail.sent_at.is_not(None), OutboundMail.failed_at.is_not(None))))


@click.command("purge-personal-data")
@with_appcontext
def purge_command() -> None:
    """Erase the contact data of cases that ended more than PII_RETENTION_DAYS ago."""
    days = current_app.config["PII_RETENTION_DAYS"]
    now = utcnow()
    ids = due_for_purge(db.session, now, days)
    with click.progressbar(length=len(ids), label="清除个人信息") as bar:
        for start in range(0, len(ids), BATCH):
            batch = ids[start:start + BATCH]
            purge_cases(db.session, batch, now)
            db.session.commit()
            bar.update(len(batch))
    click.echo(f"已清除 {len(ids)} 件诉求的个人信息（办结超过 {days} 天）。")


def init_app(app: Flask) -> None:
    app.cli.add_command(purge_command)
