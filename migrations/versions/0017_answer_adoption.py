"""The adoption an answer gave, kept on its event: a second answer replaces the case's

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 20:00:00

The figures count a suggestion's adoption in the period of the answer that gave it; the
case keeps only its latest. Answers before this revision take their case's adoption.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

cases = sa.table('cases', sa.column('id', sa.Integer()), sa.column('adoption', sa.String()))
case_events = sa.table('case_events', sa.column('case_id', sa.Integer()),
                       sa.column('action', sa.String()), sa.column('adoption', sa.String()))


def upgrade() -> None:
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('adoption', sa.Enum(
            'adopted', 'partly_adopted', 'for_reference', 'not_adopted', name='adoption',
            native_enum=False, create_constraint=True, length=24), nullable=True))
    op.execute(case_events.update().where(case_events.c.action == 'answer').values(
        adoption=sa.select(cases.c.adoption).where(cases.c.id == case_events.c.case_id)
        .scalar_subquery()))


def downgrade() -> None:
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_case_events_adoption'), type_='check')
        batch_op.drop_column('adoption')
