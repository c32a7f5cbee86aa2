"""comparisons: import digest, imported at, edited at (imports never undo site edits)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comparisons', schema=None) as batch_op:
        batch_op.add_column(sa.Column('import_digest', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('imported_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True))
    # Picks already changed by a resolution are site edits: the next import must keep them.
    op.execute(
        "UPDATE comparisons SET edited_at = ("
        " SELECT MAX(p.changed_at) FROM pick_changes p WHERE p.comparison_id = comparisons.id)"
    )


def downgrade():
    with op.batch_alter_table('comparisons', schema=None) as batch_op:
        batch_op.drop_column('edited_at')
        batch_op.drop_column('imported_at')
        batch_op.drop_column('import_digest')
