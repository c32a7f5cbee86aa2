"""input_changes: append-only marks of member inputs (no hot comparison row)

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29 15:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'input_changes',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('comparison_id', sa.Integer(), nullable=False),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_input_changes')),
    )
    with op.batch_alter_table('input_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_input_changes_comparison_id'), ['comparison_id'], unique=False)


def downgrade():
    with op.batch_alter_table('input_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_input_changes_comparison_id'))
    op.drop_table('input_changes')
