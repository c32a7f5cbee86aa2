"""modlog: the public log of editorial and moderation actions (log_entries)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 12:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'log_entries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('actor_name', sa.String(length=64), nullable=False),
        sa.Column('action', sa.String(length=40), nullable=False),
        sa.Column('subject_kind', sa.String(length=20), nullable=False),
        sa.Column('subject_key', sa.String(length=200), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=True),
        sa.Column('subject_label', sa.String(length=300), nullable=False),
        sa.Column('detail', sa.String(length=300), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.CheckConstraint(
            "subject_kind IN ('user', 'comparison', 'thread', 'post', 'tag')",
            name=op.f('ck_log_entries_subject_kind'),
        ),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_log_entries_actor_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_log_entries')),
    )
    op.create_index('ix_log_entries_created_at_id', 'log_entries', ['created_at', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_log_entries_created_at_id', table_name='log_entries')
    op.drop_table('log_entries')
