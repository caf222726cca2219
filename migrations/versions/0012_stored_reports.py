"""Stored reports: monthly and special reports kept as issued

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-03 18:00:00

A new table and nothing else, so this revision goes after any other: re-chaining it is
changing ``down_revision`` alone.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import portal.db

revision: str = '0012'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ['monthly', 'special']


def upgrade() -> None:
    op.create_table('stored_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum(*KINDS, name='kind', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('filter_description', sa.String(length=500), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('created_at', portal.db.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('period_end >= period_start', name=op.f('ck_stored_reports_period_in_order')),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_users.id'], name=op.f('fk_stored_reports_created_by_id_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_reports'))
    )
    with op.batch_alter_table('stored_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stored_reports_created_at'), ['created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('stored_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stored_reports_created_at'))
    op.drop_table('stored_reports')
