"""Loose ends of the workflow: each case's acceptance deadline, and the owner's
explanation after an unsatisfied rating (``explained_at``, the step ``explain``)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 19:10:00

Cases still waiting for acceptance get their deadline from the calendar (the city's
zone, the ``calendar_days`` table, the ``chinese_calendar`` package), so the overdue
queue and the reminders know them at once; cases accepted before this revision keep
none and are never counted as accepted late. The CHECK constraint of the audit trail's
action is written from the lists below, not from the workflow's ``Action`` (see 0009).
The downgrade takes the explanation steps out of the trail: each left the case closed.
"""

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op
from flask import current_app, has_app_context
from sqlalchemy.orm import Session

import portal.db
from config import load_config
from portal.cases.deadlines import WorkCalendar, acceptance_due_at

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIONS = ['submit', 'accept', 'decline', 'assign', 'transfer', 'return', 'answer', 'reply',
           'follow_up', 'close', 'reopen', 'opinion', 'send_back', 'urge', 'request_extension',
           'decide_extension', 'supervise', 'merge', 'note', 'publish', 'refuse_publication',
           'withdraw', 'edit_publication', 'republish', 'propose_change', 'approve_change',
           'reject_change', 'import', 'purge', 'hold', 'release', 'hand_over']
NEW_ACTIONS = ['explain']
WAITING = ('submitted', 'held')

cases = sa.table('cases', sa.column('id', sa.Integer()), sa.column('status', sa.String()),
                 sa.column('submitted_at', portal.db.UTCDateTime()),
                 sa.column('accept_due_at', portal.db.UTCDateTime()))
case_events = sa.table('case_events', sa.column('action', sa.String()))


def _allow(actions: list[str]) -> None:
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_case_events_action'), type_='check')
        batch_op.create_check_constraint('action', sa.column('action').in_(actions))


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config['TIMEZONE'] if has_app_context()
                    else load_config().TIMEZONE)


def _date_waiting_cases() -> None:
    session = Session(bind=op.get_bind())
    waiting = session.execute(sa.select(cases.c.id, cases.c.submitted_at)
                              .where(cases.c.status.in_(WAITING))).all()
    if not waiting:
        return
    zone = _zone()
    days = [r.submitted_at.astimezone(zone).date() for r in waiting]
    calendar = WorkCalendar.load(session, min(days), max(days) + dt.timedelta(days=40))
    for row in waiting:
        session.execute(cases.update().where(cases.c.id == row.id).values(
            accept_due_at=acceptance_due_at(calendar, row.submitted_at, zone)))


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('accept_due_at', portal.db.UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_cases_accept_due_at'), ['accept_due_at'],
                              unique=False)
        batch_op.add_column(sa.Column('explained_at', portal.db.UTCDateTime(), nullable=True))
    _allow(ACTIONS + NEW_ACTIONS)
    _date_waiting_cases()


def downgrade() -> None:
    op.execute(case_events.delete().where(case_events.c.action.in_(NEW_ACTIONS)))
    _allow(ACTIONS)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('explained_at')
        batch_op.drop_index(batch_op.f('ix_cases_accept_due_at'))
        batch_op.drop_column('accept_due_at')
