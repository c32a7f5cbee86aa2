"""tags: aliases left by merging near-duplicate tags (the old slug redirects)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 12:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'tag_aliases',
        sa.Column('slug', sa.String(length=100), nullable=False),
        sa.Column('tag_id', sa.Integer(), nullable=False),
        sa.Column('merged_by_id', sa.Integer(), nullable=True),
        sa.Column('merged_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], name=op.f('fk_tag_aliases_tag_id_tags'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['merged_by_id'], ['users.id'], name=op.f('fk_tag_aliases_merged_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('slug', name=op.f('pk_tag_aliases')),
    )
    with op.batch_alter_table('tag_aliases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tag_aliases_tag_id'), ['tag_id'], unique=False)


def downgrade():
    with op.batch_alter_table('tag_aliases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tag_aliases_tag_id'))
    op.drop_table('tag_aliases')
