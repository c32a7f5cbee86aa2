"""editor: archived status, comparison revisions, pick change reasons

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 10:05:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comparisons', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_comparisons_status'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_comparisons_status'), "status IN ('draft', 'published', 'archived')"
        )
    op.create_table(
        'comparison_revisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('comparison_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('message', sa.String(length=300), nullable=False),
        sa.Column('snapshot', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_comparison_revisions_author_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['comparison_id'], ['comparisons.id'], name=op.f('fk_comparison_revisions_comparison_id_comparisons'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_comparison_revisions')),
        sa.UniqueConstraint('comparison_id', 'number', name=op.f('uq_comparison_revisions_comparison_id_number')),
    )
    with op.batch_alter_table('pick_changes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('pick_changes', schema=None) as batch_op:
        batch_op.drop_column('reason')
    op.drop_table('comparison_revisions')
    op.execute("UPDATE comparisons SET status = 'published' WHERE status = 'archived'")
    with op.batch_alter_table('comparisons', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_comparisons_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_comparisons_status'), "status IN ('draft', 'published')")
