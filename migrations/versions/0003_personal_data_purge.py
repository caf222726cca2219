"""Retention: when a case's personal data was erased, and the audited action doing it

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 10:58:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import portal.db

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIONS = ['submit', 'accept', 'decline', 'assign', 'transfer', 'return', 'answer', 'reply',
           'follow_up', 'close', 'reopen', 'opinion', 'send_back', 'urge', 'request_extension',
           'decide_extension', 'supervise', 'merge', 'note', 'publish', 'refuse_publication',
           'withdraw', 'import']


def _allow_actions(actions: list[str]) -> None:
    """Rewrite the CHECK constraint of ``case_events.action`` (an enum stored as text)."""
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_case_events_action'), type_='check')
        batch_op.create_check_constraint('action', sa.column('action').in_(actions))


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('personal_data_purged_at', portal.db.UTCDateTime(),
                                      nullable=True))
    _allow_actions(ACTIONS + ['purge'])


def downgrade() -> None:
    op.execute("DELETE FROM case_events WHERE action = 'purge'")
    _allow_actions(ACTIONS)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('personal_data_purged_at')
