"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-26 06:43:37.514579
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import portal.privacy.crypto
import portal.db

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('calendar_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('is_working', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_calendar_days'))
    )
    op.create_table('categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_categories')),
    sa.UniqueConstraint('name', name=op.f('uq_categories_name'))
    )
    op.create_table('departments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', portal.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_departments')),
    sa.UniqueConstraint('name', name=op.f('uq_departments_name'))
    )
    op.create_table('search_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('publication_id', sa.Integer(), nullable=False),
    sa.Column('op', sa.String(length=10), nullable=False),
    sa.Column('created_at', portal.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_outbox'))
    )
    with op.batch_alter_table('search_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_outbox_publication_id'), ['publication_id'], unique=False)

    op.create_table('campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('opens_on', sa.Date(), nullable=False),
    sa.Column('closes_on', sa.Date(), nullable=False),
    sa.Column('created_at', portal.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint('closes_on >= opens_on', name=op.f('ck_campaigns_period_order')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_campaigns_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns'))
    )
    op.create_table('canned_replies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_canned_replies_category_id_categories')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_canned_replies'))
    )
    op.create_table('staff_users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=64), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('session_epoch', sa.Integer(), nullable=False),
    sa.Column('created_at', portal.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_staff_users_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_users')),
    sa.UniqueConstraint('username', name=op.f('uq_staff_users_username'))
    )
    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tracking_code', sa.String(length=40), nullable=False),
    sa.Column('channel', sa.Enum('mailbox', 'suggestion', 'hotline', 'community', 'meeting', 'open311', name='channel', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('kind', sa.Enum('complaint', 'request', 'consultation', 'suggestion', 'praise', name='kind', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('status', sa.Enum('submitted', 'accepted', 'declined', 'assigned', 'answered', 'replied', 'closed', name='status', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('proposal', sa.Text(), nullable=True),
    sa.Column('benefit', sa.Text(), nullable=True),
    sa.Column('location', sa.String(length=200), nullable=True),
    sa.Column('consent_publish', sa.Boolean(), nullable=False),
    sa.Column('satisfaction', sa.Enum('satisfied', 'basically_satisfied', 'unsatisfied', name='satisfaction', native_enum=False, create_constraint=True, length=24), nullable=True),
    sa.Column('adoption', sa.Enum('adopted', 'partly_adopted', 'for_reference', 'not_adopted', name='adoption', native_enum=False, create_constraint=True, length=24), nullable=True),
    sa.Column('submission_token', sa.String(length=64), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('overdue_notified_on', sa.Date(), nullable=True),
    sa.Column('escalated_at', portal.db.UTCDateTime(), nullable=True),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_at', portal.db.UTCDateTime(), nullable=True),
    sa.Column('reply', sa.Text(), nullable=True),
    sa.Column('replied_at', portal.db.UTCDateTime(), nullable=True),
    sa.Column('followed_up_at', portal.db.UTCDateTime(), nullable=True),
    sa.Column('follow_up_nonce', sa.String(length=32), nullable=True),
    sa.Column('closed_at', portal.db.UTCDateTime(), nullable=True),
    sa.Column('reopen_count', sa.Integer(), nullable=False),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.Column('external_id', sa.String(length=100), nullable=True),
    sa.Column('submitted_at', portal.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', portal.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint('length(content) > 0', name=op.f('ck_cases_content_not_empty')),
    sa.CheckConstraint('length(title) > 0', name=op.f('ck_cases_title_not_empty')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_cases_campaign_id_campaigns')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_cases_category_id_categories')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_cases_department_id_departments')),
    sa.ForeignKeyConstraint(['merged_into_id'], ['cases.id'], name=op.f('fk_cases_merged_into_id_cases')),
    sa.ForeignKeyConstraint(['owner_id'], ['staff_users.id'], name=op.f('fk_cases_owner_id_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
    sa.UniqueConstraint('external_id', name=op.f('uq_cases_external_id')),
    sa.UniqueConstraint('submission_token', name=op.f('uq_cases_submission_token')),
    sa.UniqueConstraint('tracking_code', name=op.f('uq_cases_tracking_code'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_replied_at'), ['replied_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_submitted_at'), ['submitted_at'], unique=False)

    op.create_table('security_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=64), nullable=True),
    sa.Column('object_type', sa.String(length=40), nullable=True),
    sa.Column('object_id', sa.Integer(), nullable=True),
    sa.Column('ip_address', sa.String(length=45), nullable=True),
    sa.Column('request_id', sa.String(length=32), nullable=True),
    sa.Column('created_at', portal.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['staff_users.id'], name=op.f('fk_security_events_actor_id_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_security_events'))
    )
    with op.batch_alter_table('security_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_security_events_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_security_events_created_at'), ['created_at'], unique=False)

    op.create_table('staff_roles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('citizen', 'system', 'operator', 'handler', 'supervisor', 'moderator', 'admin', name='role', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['staff_users.id'], name=op.f('fk_staff_roles_user_id_staff_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_roles')),
    sa.UniqueConstraint('user_id', 'role', name=op.f('uq_staff_roles_user_id'))
    )
    op.create_table('attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('storage_key', sa.String(length=200), nullable=False),
    sa.Column('created_at', portal.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_attachments_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_attachments_storage_key'))
    )
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachments_case_id'), ['case_id'], unique=False)

    op.create_table('case_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.Enum('submit', 'accept', 'decline', 'assign', 'transfer', 'return', 'answer', 'reply', 'follow_up', 'close', 'reopen', 'opinion', 'send_back', 'urge', 'request_extension', 'decide_extension', 'supervise', 'merge', 'note', 'publish', 'refuse_publication', 'withdraw', 'import', name='action', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('from_status', sa.Enum('submitted', 'accepted', 'declined', 'assigned', 'answered', 'replied', 'closed', name='from_status', native_enum=False, create_constraint=True, length=24), nullable=True),
    sa.Column('to_status', sa.Enum('submitted', 'accepted', 'declined', 'assigned', 'answered', 'replied', 'closed', name='to_status', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_role', sa.Enum('citizen', 'system', 'operator', 'handler', 'supervisor', 'moderator', 'admin', name='actor_role', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('is_public', sa.Boolean(), nullable=False),
    sa.Column('ip_address', sa.String(length=45), nullable=True),
    sa.Column('request_id', sa.String(length=32), nullable=True),
    sa.Column('created_at', portal.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['staff_users.id'], name=op.f('fk_case_events_actor_id_staff_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_events_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_case_events_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_events'))
    )
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_events_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_events_created_at'), ['created_at'], unique=False)

    op.create_table('co_handlings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('opinion', sa.Text(), nullable=True),
    sa.Column('opinion_at', portal.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_co_handlings_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_co_handlings_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_co_handlings')),
    sa.UniqueConstraint('case_id', 'department_id', name=op.f('uq_co_handlings_case_id'))
    )
    with op.batch_alter_table('co_handlings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_co_handlings_case_id'), ['case_id'], unique=False)

    op.create_table('contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('name', portal.privacy.crypto.EncryptedText(), nullable=True),
    sa.Column('salutation', sa.String(length=4), nullable=True),
    sa.Column('phone', portal.privacy.crypto.EncryptedText(), nullable=True),
    sa.Column('email', portal.privacy.crypto.EncryptedText(), nullable=True),
    sa.Column('consented_privacy_at', portal.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_contacts_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contacts')),
    sa.UniqueConstraint('case_id', name=op.f('uq_contacts_case_id'))
    )
    op.create_table('extension_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', portal.db.UTCDateTime(), nullable=False),
    sa.Column('decided_at', portal.db.UTCDateTime(), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'approved', 'refused')", name=op.f('ck_extension_requests_status')),
    sa.CheckConstraint('days > 0', name=op.f('ck_extension_requests_days_positive')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_extension_requests_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['staff_users.id'], name=op.f('fk_extension_requests_decided_by_id_staff_users')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['staff_users.id'], name=op.f('fk_extension_requests_requested_by_id_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_extension_requests'))
    )
    with op.batch_alter_table('extension_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_extension_requests_case_id'), ['case_id'], unique=False)

    op.create_table('outbound_mail',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipient', portal.privacy.crypto.EncryptedText(), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=True),
    sa.Column('template', sa.String(length=64), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('created_at', portal.db.UTCDateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', portal.db.UTCDateTime(), nullable=False),
    sa.Column('claimed_until', portal.db.UTCDateTime(), nullable=True),
    sa.Column('sent_at', portal.db.UTCDateTime(), nullable=True),
    sa.Column('failed_at', portal.db.UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_outbound_mail_case_id_cases'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbound_mail'))
    )
    with op.batch_alter_table('outbound_mail', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbound_mail_next_attempt_at'), ['next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbound_mail_sent_at'), ['sent_at'], unique=False)

    op.create_table('publications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('letter', sa.Text(), nullable=False),
    sa.Column('reply', sa.Text(), nullable=False),
    sa.Column('citizen_label', sa.String(length=20), nullable=False),
    sa.Column('department_name', sa.String(length=100), nullable=False),
    sa.Column('category_name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.Enum('complaint', 'request', 'consultation', 'suggestion', 'praise', name='kind', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('channel', sa.Enum('mailbox', 'suggestion', 'hotline', 'community', 'meeting', 'open311', name='channel', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('adoption', sa.Enum('adopted', 'partly_adopted', 'for_reference', 'not_adopted', name='adoption', native_enum=False, create_constraint=True, length=24), nullable=True),
    sa.Column('satisfaction', sa.Enum('satisfied', 'basically_satisfied', 'unsatisfied', name='satisfaction', native_enum=False, create_constraint=True, length=24), nullable=True),
    sa.Column('submitted_at', portal.db.UTCDateTime(), nullable=False),
    sa.Column('replied_at', portal.db.UTCDateTime(), nullable=False),
    sa.Column('is_public', sa.Boolean(), nullable=False),
    sa.Column('published_at', portal.db.UTCDateTime(), nullable=False),
    sa.Column('withdrawn_at', portal.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_publications_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publications')),
    sa.UniqueConstraint('case_id', name=op.f('uq_publications_case_id'))
    )
    with op.batch_alter_table('publications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publications_category_name'), ['category_name'], unique=False)
        batch_op.create_index(batch_op.f('ix_publications_department_name'), ['department_name'], unique=False)
        batch_op.create_index(batch_op.f('ix_publications_is_public'), ['is_public'], unique=False)
        batch_op.create_index(batch_op.f('ix_publications_replied_at'), ['replied_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('publications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_publications_replied_at'))
        batch_op.drop_index(batch_op.f('ix_publications_is_public'))
        batch_op.drop_index(batch_op.f('ix_publications_department_name'))
        batch_op.drop_index(batch_op.f('ix_publications_category_name'))

    op.drop_table('publications')
    with op.batch_alter_table('outbound_mail', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbound_mail_sent_at'))
        batch_op.drop_index(batch_op.f('ix_outbound_mail_next_attempt_at'))

    op.drop_table('outbound_mail')
    with op.batch_alter_table('extension_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_extension_requests_case_id'))

    op.drop_table('extension_requests')
    op.drop_table('contacts')
    with op.batch_alter_table('co_handlings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_co_handlings_case_id'))

    op.drop_table('co_handlings')
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_events_created_at'))
        batch_op.drop_index(batch_op.f('ix_case_events_case_id'))

    op.drop_table('case_events')
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachments_case_id'))

    op.drop_table('attachments')
    op.drop_table('staff_roles')
    with op.batch_alter_table('security_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_security_events_created_at'))
        batch_op.drop_index(batch_op.f('ix_security_events_action'))

    op.drop_table('security_events')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_submitted_at'))
        batch_op.drop_index(batch_op.f('ix_cases_status'))
        batch_op.drop_index(batch_op.f('ix_cases_replied_at'))
        batch_op.drop_index(batch_op.f('ix_cases_due_on'))

    op.drop_table('cases')
    op.drop_table('staff_users')
    op.drop_table('canned_replies')
    op.drop_table('campaigns')
    with op.batch_alter_table('search_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_outbox_publication_id'))

    op.drop_table('search_outbox')
    op.drop_table('departments')
    op.drop_table('categories')
    op.drop_table('calendar_days')
