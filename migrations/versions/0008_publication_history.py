"""Publication history and four eyes: every public version kept, with who, when and why;
moderators' proposed changes to what is already public, and the workflow's new actions

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 15:51:33

The upgrade gives every existing publication its first version: the live texts, by
whoever published it last (its latest ``publish`` event), at ``published_at``. A
withdrawn one gets a second, ``withdrawn`` version, by whoever withdrew it and for the
reason they gave.

The CHECK on ``case_events.action`` is rewritten from the lists below. (It was first
written from the workflow's ``Action``, which later revisions extend: the lists are the
values ``Action`` had at this revision, so that a database at 0008 allows the same actions
whichever code migrated it.)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import portal.db

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIONS = ['submit', 'accept', 'decline', 'assign', 'transfer', 'return', 'answer', 'reply',
           'follow_up', 'close', 'reopen', 'opinion', 'send_back', 'urge', 'request_extension',
           'decide_extension', 'supervise', 'merge', 'note', 'publish', 'refuse_publication',
           'withdraw', 'import', 'purge']
NEW_ACTIONS = ['edit_publication', 'republish', 'propose_change', 'approve_change',
               'reject_change']
KINDS = ('published', 'edited', 'withdrawn', 'republished')
TEXTS = ('title', 'letter', 'reply', 'address', 'citizen_label')

publications = sa.table(
    'publications', sa.column('id', sa.Integer()), sa.column('case_id', sa.Integer()),
    *(sa.column(name, sa.Text()) for name in TEXTS), sa.column('is_public', sa.Boolean()),
    sa.column('published_at', sa.DateTime()), sa.column('withdrawn_at', sa.DateTime()))
case_events = sa.table(
    'case_events', sa.column('id', sa.Integer()), sa.column('case_id', sa.Integer()),
    sa.column('action', sa.String()), sa.column('actor_id', sa.Integer()),
    sa.column('note', sa.Text()))
VERSION_COLUMNS = ['publication_id', 'number', 'kind', *TEXTS, 'changed_by_id', 'reason',
                   'created_at']


def _allow_actions(actions: list[str]) -> None:
    """Rewrite the CHECK constraint of ``case_events.action`` (an enum stored as text)."""
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_case_events_action'), type_='check')
        batch_op.create_check_constraint('action', sa.column('action').in_(actions))


def _latest(action: str, column: str) -> sa.ScalarSelect[object]:
    """``column`` of the publication's case's latest ``action`` event."""
    return (sa.select(case_events.c[column])
            .where(case_events.c.case_id == publications.c.case_id,
                   case_events.c.action == action)
            .order_by(case_events.c.id.desc()).limit(1).scalar_subquery())


def _backfill() -> None:
    texts = [publications.c[name] for name in TEXTS]
    versions = sa.table('publication_versions', *(sa.column(name) for name in VERSION_COLUMNS))
    op.execute(versions.insert().from_select(VERSION_COLUMNS, sa.select(
        publications.c.id, sa.literal(1), sa.literal('published'), *texts,
        _latest('publish', 'actor_id'), sa.null(), publications.c.published_at)))
    op.execute(versions.insert().from_select(VERSION_COLUMNS, sa.select(
        publications.c.id, sa.literal(2), sa.literal('withdrawn'), *texts,
        _latest('withdraw', 'actor_id'),
        sa.func.coalesce(_latest('withdraw', 'note'), '（未记录理由）'),
        sa.func.coalesce(publications.c.withdrawn_at, publications.c.published_at),
    ).where(publications.c.is_public == sa.false())))


def upgrade() -> None:
    op.create_table('publication_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('publication_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum(*KINDS, name='kind', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('letter', sa.Text(), nullable=False),
    sa.Column('reply', sa.Text(), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('citizen_label', sa.String(length=20), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', portal.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint("kind = 'published' OR reason IS NOT NULL", name=op.f('ck_publication_versions_reason_given')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['staff_users.id'], name=op.f('fk_publication_versions_approved_by_id_staff_users')),
    sa.ForeignKeyConstraint(['changed_by_id'], ['staff_users.id'], name=op.f('fk_publication_versions_changed_by_id_staff_users')),
    sa.ForeignKeyConstraint(['publication_id'], ['publications.id'], name=op.f('fk_publication_versions_publication_id_publications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publication_versions')),
    sa.UniqueConstraint('publication_id', 'number', name=op.f('uq_publication_versions_publication_id'))
    )
    op.create_table('publication_proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('publication_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum(*KINDS, name='kind', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('letter', sa.Text(), nullable=True),
    sa.Column('reply', sa.Text(), nullable=True),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=False),
    sa.Column('proposed_at', portal.db.UTCDateTime(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', portal.db.UTCDateTime(), nullable=True),
    sa.Column('approved', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['staff_users.id'], name=op.f('fk_publication_proposals_decided_by_id_staff_users')),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['staff_users.id'], name=op.f('fk_publication_proposals_proposed_by_id_staff_users')),
    sa.ForeignKeyConstraint(['publication_id'], ['publications.id'], name=op.f('fk_publication_proposals_publication_id_publications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publication_proposals'))
    )
    with op.batch_alter_table('publication_proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publication_proposals_publication_id'), ['publication_id'], unique=False)
        batch_op.create_index('uq_publication_proposals_pending', ['publication_id'], unique=True, sqlite_where=sa.text('decided_at IS NULL'), postgresql_where=sa.text('decided_at IS NULL'))
    _backfill()
    _allow_actions(ACTIONS + NEW_ACTIONS)


def downgrade() -> None:
    op.execute(case_events.delete().where(case_events.c.action.in_(NEW_ACTIONS)))
    _allow_actions(ACTIONS)
    with op.batch_alter_table('publication_proposals', schema=None) as batch_op:
        batch_op.drop_index('uq_publication_proposals_pending', sqlite_where=sa.text('decided_at IS NULL'), postgresql_where=sa.text('decided_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_publication_proposals_publication_id'))
    op.drop_table('publication_proposals')
    op.drop_table('publication_versions')
