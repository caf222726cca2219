"""Staff second factor: the authenticator's secret and last accepted step, recovery codes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import portal.privacy.crypto
import portal.db

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret', portal.privacy.crypto.EncryptedText(), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=True))
    op.create_table('staff_recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('used_at', portal.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['staff_users.id'], name=op.f('fk_staff_recovery_codes_user_id_staff_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_recovery_codes'))
    )
    with op.batch_alter_table('staff_recovery_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_recovery_codes_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('staff_recovery_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_recovery_codes_user_id'))
    op.drop_table('staff_recovery_codes')
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_secret')
