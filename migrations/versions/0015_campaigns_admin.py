"""Campaigns run from the back office: questions, cover, early close, results; the
wall's copy of a reply's campaign

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 19:00:00

Only ``down_revision`` names the revision before; nothing else depends on it. The
publications' new ``campaign_id`` is filled from their cases.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('campaigns') as batch:
        batch.add_column(sa.Column('questions', sa.Text(), nullable=False, server_default=''))
        batch.add_column(sa.Column('cover_key', sa.String(length=100), nullable=True))
        batch.add_column(sa.Column('cover_type', sa.String(length=20), nullable=True))
        batch.add_column(sa.Column('closed_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('results_summary', sa.Text(), nullable=True))
    with op.batch_alter_table('publications') as batch:
        batch.add_column(sa.Column('campaign_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_publications_campaign_id_campaigns'), 'campaigns',
                                 ['campaign_id'], ['id'])
        batch.create_index(op.f('ix_publications_campaign_id'), ['campaign_id'])
    op.execute("UPDATE publications SET campaign_id = "
               "(SELECT cases.campaign_id FROM cases WHERE cases.id = publications.case_id)")


def downgrade() -> None:
    with op.batch_alter_table('publications') as batch:
        batch.drop_index(op.f('ix_publications_campaign_id'))
        batch.drop_constraint(op.f('fk_publications_campaign_id_campaigns'), type_='foreignkey')
        batch.drop_column('campaign_id')
    with op.batch_alter_table('campaigns') as batch:
        batch.drop_column('results_summary')
        batch.drop_column('closed_at')
        batch.drop_column('cover_type')
        batch.drop_column('cover_key')
        batch.drop_column('questions')
