"""Figures: facts of the moment on the audit trail, and the owner's answer quality mark

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-14 09:00:00

Three nullable columns on ``case_events``, which later steps overwrite on the case and the
figures (docs/figures.md) need as they were: ``due_on``, the deadline in force when the
department answered; ``satisfaction``, the rating a follow-up recorded (a reopen clears the
case's); ``answer_quality``, the mark 1–5 the owner gave the department's answer when
approving (reply) or sending it back.

The upgrade fills what the existing trail allows: an answer's deadline from its case's
current one (the best known), a follow-up's rating from the label its note begins with.
Marks were never given before, so they stay empty.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The note of a follow-up begins with the rating's label (cases.handling.record_follow_up);
# 满意 is also the end of the other two, so it is matched last.
RATINGS = [('基本满意%', 'basically_satisfied'), ('不满意%', 'unsatisfied'), ('满意%', 'satisfied')]

cases = sa.table('cases', sa.column('id', sa.Integer()), sa.column('due_on', sa.Date()))
case_events = sa.table('case_events', sa.column('case_id', sa.Integer()),
                       sa.column('action', sa.String()), sa.column('note', sa.Text()),
                       sa.column('due_on', sa.Date()), sa.column('satisfaction', sa.String()))


def upgrade() -> None:
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('satisfaction', sa.Enum(
            'satisfied', 'basically_satisfied', 'unsatisfied', name='satisfaction',
            native_enum=False, create_constraint=True, length=24), nullable=True))
        batch_op.add_column(sa.Column('answer_quality', sa.Integer(), nullable=True))
        batch_op.create_check_constraint('answer_quality_range',
                                         sa.text('answer_quality BETWEEN 1 AND 5'))
    op.execute(case_events.update().where(case_events.c.action == 'answer').values(
        due_on=sa.select(cases.c.due_on).where(cases.c.id == case_events.c.case_id)
        .scalar_subquery()))
    for pattern, rating in RATINGS:
        op.execute(case_events.update().where(
            case_events.c.action == 'follow_up', case_events.c.satisfaction.is_(None),
            case_events.c.note.like(pattern)).values(satisfaction=rating))


def downgrade() -> None:
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_case_events_answer_quality_range'), type_='check')
        batch_op.drop_constraint(op.f('ck_case_events_satisfaction'), type_='check')
        batch_op.drop_column('answer_quality')
        batch_op.drop_column('satisfaction')
        batch_op.drop_column('due_on')
