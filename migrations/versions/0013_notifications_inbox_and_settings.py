"""notifications: the inbox (one row per member and event) and each member's settings

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 12:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'notifications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('event_key', sa.String(length=80), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('comparison_id', sa.Integer(), nullable=False),
        sa.Column('thread_id', sa.Integer(), nullable=True),
        sa.Column('post_id', sa.Integer(), nullable=True),
        sa.Column('option_id', sa.Integer(), nullable=True),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('mailed_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('reply', 'resolution', 'flip')", name=op.f('ck_notifications_kind')),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_notifications_actor_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['comparison_id'], ['comparisons.id'], name=op.f('fk_notifications_comparison_id_comparisons'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['option_id'], ['options.id'], name=op.f('fk_notifications_option_id_options'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_notifications_post_id_posts'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], name=op.f('fk_notifications_thread_id_threads'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
        sa.UniqueConstraint('user_id', 'event_key', name=op.f('uq_notifications_user_id_event_key')),
    )
    op.create_index('ix_notifications_user_id_created_at', 'notifications', ['user_id', 'created_at'])
    op.create_index(
        'ix_notifications_unread',
        'notifications',
        ['user_id'],
        postgresql_where=sa.text('read_at IS NULL'),
        sqlite_where=sa.text('read_at IS NULL'),
    )
    op.create_table(
        'notification_settings',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('replies', sa.Boolean(), nullable=False),
        sa.Column('resolutions', sa.Boolean(), nullable=False),
        sa.Column('flips', sa.Boolean(), nullable=False),
        sa.Column('digest', sa.Boolean(), nullable=False),
        sa.Column('digest_sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_settings_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_notification_settings')),
    )


def downgrade():
    op.drop_table('notification_settings')
    op.drop_index('ix_notifications_unread', table_name='notifications')
    op.drop_index('ix_notifications_user_id_created_at', table_name='notifications')
    op.drop_table('notifications')
