"""Open311 GeoReport v2: API clients, Open311 requests, attribute definitions; the public
address of a publication

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 09:08:44.282024
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import portal.db

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('api_clients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('key_prefix', sa.String(length=8), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', portal.db.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', portal.db.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_clients')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_api_clients_key_hash'))
    )
    op.create_table('service_attributes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('datatype', sa.Enum('string', 'number', 'datetime', 'text', 'singlevaluelist', 'multivaluelist', name='datatype', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('datatype_description', sa.String(length=200), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_service_attributes_category_id_categories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_attributes')),
    sa.UniqueConstraint('category_id', 'code', name=op.f('uq_service_attributes_category_id'))
    )
    with op.batch_alter_table('service_attributes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_attributes_category_id'), ['category_id'], unique=False)

    op.create_table('open311_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('attributes', sa.JSON(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('long', sa.Float(), nullable=True),
    sa.Column('created_at', portal.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint('(lat IS NULL AND long IS NULL) OR (lat BETWEEN -90 AND 90 AND long BETWEEN -180 AND 180)', name=op.f('ck_open311_requests_coordinates')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_open311_requests_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['client_id'], ['api_clients.id'], name=op.f('fk_open311_requests_client_id_api_clients')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_open311_requests')),
    sa.UniqueConstraint('case_id', name=op.f('uq_open311_requests_case_id')),
    sa.UniqueConstraint('token', name=op.f('uq_open311_requests_token'))
    )
    with op.batch_alter_table('open311_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_open311_requests_client_id'), ['client_id'], unique=False)

    with op.batch_alter_table('publications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('publications', schema=None) as batch_op:
        batch_op.drop_column('address')

    with op.batch_alter_table('open311_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_open311_requests_client_id'))

    op.drop_table('open311_requests')
    with op.batch_alter_table('service_attributes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_attributes_category_id'))

    op.drop_table('service_attributes')
    op.drop_table('api_clients')
