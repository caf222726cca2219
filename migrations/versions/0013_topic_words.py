"""The words of each letter, cut once for the reports' hot topics

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 19:00:00

A nullable column: letters written before it are cut the first time a report needs them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('topic_words', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('cases') as batch:
        batch.drop_column('topic_words')
