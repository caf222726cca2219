"""Running the office from its own screens: canned replies can be retired, and the
workflow's new action ``hand_over`` (交接)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 19:10:00

Existing reply templates stay in use (server default true). The CHECK on
``case_events.action`` is rewritten from the lists below, the values ``Action`` had at
this revision (see 0008).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIONS = ['submit', 'hold', 'release', 'accept', 'decline', 'assign', 'transfer', 'return',
           'answer', 'reply', 'follow_up', 'close', 'reopen', 'opinion', 'send_back', 'urge',
           'request_extension', 'decide_extension', 'supervise', 'merge', 'note', 'publish',
           'refuse_publication', 'withdraw', 'edit_publication', 'republish', 'propose_change',
           'approve_change', 'reject_change', 'import', 'purge']
NEW_ACTIONS = ['hand_over']

case_events = sa.table('case_events', sa.column('action', sa.String()))


def _allow_actions(actions: list[str]) -> None:
    """Rewrite the CHECK constraint of ``case_events.action`` (an enum stored as text)."""
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_case_events_action'), type_='check')
        batch_op.create_check_constraint('action', sa.column('action').in_(actions))


def upgrade() -> None:
    with op.batch_alter_table('canned_replies') as batch:
        batch.add_column(sa.Column('is_active', sa.Boolean(), server_default=sa.true(),
                                   nullable=False))
    _allow_actions(ACTIONS + NEW_ACTIONS)


def downgrade() -> None:
    op.execute(case_events.delete().where(case_events.c.action.in_(NEW_ACTIONS)))
    _allow_actions(ACTIONS)
    with op.batch_alter_table('canned_replies') as batch:
        batch.drop_column('is_active')
