"""Staff passwords: a password someone else chose is changed at the next sign-in, and
usernames are kept in their one canonical spelling

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 12:00:00

The upgrade rewrites every username as ``canonical_username`` spells it (sign-in looks
names up that way). If two accounts would get the same name it stops before changing
anything and names them: an administrator decides which one to rename or remove. The
downgrade keeps the canonical spellings (they were valid names before too).
"""

from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from portal.auth.names import canonical_username

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

staff_users = sa.table('staff_users', sa.column('id', sa.Integer()),
                       sa.column('username', sa.String(length=64)))


def _canonical_usernames() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.select(staff_users.c.id, staff_users.c.username)
                        .order_by(staff_users.c.id)).all()
    spellings: defaultdict[str, list[str]] = defaultdict(list)
    for _, username in rows:
        spellings[canonical_username(username)].append(username)
    clashes = [names for names in spellings.values() if len(names) > 1]
    if clashes:
        raise RuntimeError(
            "These staff usernames differ only in case, width or invisible characters; "
            "rename or remove all but one of each, then upgrade again: "
            + "; ".join(", ".join(repr(name) for name in names) for names in clashes))
    for ident, username in rows:
        if canonical_username(username) != username:
            conn.execute(staff_users.update().where(staff_users.c.id == ident)
                         .values(username=canonical_username(username)))


def upgrade() -> None:
    _canonical_usernames()
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(),
                                      server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
