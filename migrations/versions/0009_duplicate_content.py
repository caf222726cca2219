"""Duplicate content: each case's content fingerprint, and the held status with the
workflow's hold and release steps

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-10 10:20:00

Existing cases keep no fingerprint (NULL): a letter is compared only with those sent
after this revision, which within a window of a day loses little.

The CHECK constraints of the enums stored as text are written from the lists below, not
from the workflow's ``Status`` and ``Action``, so that this revision means the same
whatever later revisions add or remove. The downgrade puts held cases back where they
were before the hold (submitted), and takes the hold and release steps out of the audit
trail: each led back to the state before it, so the trail still runs from each state to
the next; a note, merge or decline on a held case is then recorded from submitted.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = ['submitted', 'accepted', 'declined', 'assigned', 'answered', 'replied', 'closed']
ACTIONS = ['submit', 'accept', 'decline', 'assign', 'transfer', 'return', 'answer', 'reply',
           'follow_up', 'close', 'reopen', 'opinion', 'send_back', 'urge', 'request_extension',
           'decide_extension', 'supervise', 'merge', 'note', 'publish', 'refuse_publication',
           'withdraw', 'edit_publication', 'republish', 'propose_change', 'approve_change',
           'reject_change', 'import', 'purge']
HELD = 'held'
NEW_ACTIONS = ['hold', 'release']

cases = sa.table('cases', sa.column('status', sa.String()))
case_events = sa.table('case_events', sa.column('action', sa.String()),
                       sa.column('from_status', sa.String()), sa.column('to_status', sa.String()))


def _allow(statuses: list[str], actions: list[str]) -> None:
    """Rewrite the CHECK constraints of the status and action columns."""
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_cases_status'), type_='check')
        batch_op.create_check_constraint('status', sa.column('status').in_(statuses))
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        for name, allowed in (('action', actions), ('from_status', statuses),
                              ('to_status', statuses)):
            batch_op.drop_constraint(op.f(f'ck_case_events_{name}'), type_='check')
            batch_op.create_check_constraint(name, sa.column(name).in_(allowed))


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content_fingerprint', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_cases_content_fingerprint'), ['content_fingerprint'], unique=False)
    _allow(STATUSES + [HELD], ACTIONS + NEW_ACTIONS)


def downgrade() -> None:
    op.execute(case_events.delete().where(case_events.c.action.in_(NEW_ACTIONS)))
    for column in ('from_status', 'to_status'):
        op.execute(case_events.update().where(case_events.c[column] == HELD)
                   .values({column: 'submitted'}))
    op.execute(cases.update().where(cases.c.status == HELD).values(status='submitted'))
    _allow(STATUSES, ACTIONS)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_content_fingerprint'))
        batch_op.drop_column('content_fingerprint')
