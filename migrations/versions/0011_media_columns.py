"""Media columns: outlets' 回音壁 columns, their issues and the public replies in them

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-14 10:00:00

New tables only, so the revision it follows changes nothing here: to put it after
another revision, change ``down_revision`` alone.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import portal.db

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ('newspaper', 'tv', 'radio')
STATUSES = ('draft', 'sent')
LENGTH_RANGE = 'length_limit BETWEEN 50 AND 10000'


def _enum(values: tuple[str, ...], name: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=24)


def upgrade() -> None:
    op.create_table(
        'media_outlets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('kind', _enum(KINDS, 'kind'), nullable=False),
        sa.Column('column_name', sa.String(length=100), nullable=False),
        sa.Column('length_limit', sa.Integer(), nullable=False),
        sa.Column('created_at', portal.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint(LENGTH_RANGE, name=op.f('ck_media_outlets_length_limit_range')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_media_outlets')),
        sa.UniqueConstraint('name', 'column_name', name=op.f('uq_media_outlets_name')),
    )
    op.create_table(
        'column_issues',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('outlet_id', sa.Integer(), nullable=False),
        sa.Column('issue_date', sa.Date(), nullable=False),
        sa.Column('length_limit', sa.Integer(), nullable=False),
        sa.Column('status', _enum(STATUSES, 'status'), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', portal.db.UTCDateTime(), nullable=False),
        sa.Column('sent_by_id', sa.Integer(), nullable=True),
        sa.Column('sent_at', portal.db.UTCDateTime(), nullable=True),
        sa.CheckConstraint(LENGTH_RANGE, name=op.f('ck_column_issues_length_limit_range')),
        sa.CheckConstraint("(status = 'sent') = (sent_at IS NOT NULL)",
                           name=op.f('ck_column_issues_sent_when_sent')),
        sa.ForeignKeyConstraint(['outlet_id'], ['media_outlets.id'],
                                name=op.f('fk_column_issues_outlet_id_media_outlets')),
        sa.ForeignKeyConstraint(['created_by_id'], ['staff_users.id'],
                                name=op.f('fk_column_issues_created_by_id_staff_users')),
        sa.ForeignKeyConstraint(['sent_by_id'], ['staff_users.id'],
                                name=op.f('fk_column_issues_sent_by_id_staff_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_column_issues')),
    )
    with op.batch_alter_table('column_issues', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_column_issues_outlet_id'), ['outlet_id'])
        batch_op.create_index(batch_op.f('ix_column_issues_issue_date'), ['issue_date'])
    op.create_table(
        'column_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('issue_id', sa.Integer(), nullable=False),
        sa.Column('publication_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('added_at', portal.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint('position >= 1', name=op.f('ck_column_items_position_positive')),
        sa.ForeignKeyConstraint(['issue_id'], ['column_issues.id'], ondelete='CASCADE',
                                name=op.f('fk_column_items_issue_id_column_issues')),
        sa.ForeignKeyConstraint(['publication_id'], ['publications.id'], ondelete='CASCADE',
                                name=op.f('fk_column_items_publication_id_publications')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_column_items')),
        sa.UniqueConstraint('issue_id', 'publication_id', name=op.f('uq_column_items_issue_id')),
    )
    with op.batch_alter_table('column_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_column_items_issue_id'), ['issue_id'])
        batch_op.create_index(batch_op.f('ix_column_items_publication_id'), ['publication_id'])


def downgrade() -> None:
    op.drop_table('column_items')
    op.drop_table('column_issues')
    op.drop_table('media_outlets')
