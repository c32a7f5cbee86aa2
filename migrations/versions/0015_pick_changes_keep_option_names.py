"""pick changes outlive their options: to_option_id SET NULL, from_name/to_name kept

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 13:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('pick_changes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('from_name', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('to_name', sa.String(length=100), nullable=True))
        batch_op.alter_column('to_option_id', existing_type=sa.Integer(), nullable=True)
        batch_op.drop_constraint(op.f('fk_pick_changes_to_option_id_options'), type_='foreignkey')
        batch_op.create_foreign_key(
            op.f('fk_pick_changes_to_option_id_options'), 'options', ['to_option_id'], ['id'],
            ondelete='SET NULL',
        )
    # The names as they are now: the best record of what the existing changes were.
    names = "SELECT name FROM options WHERE options.id = pick_changes.{} "
    op.execute(
        "UPDATE pick_changes SET from_name = (" + names.format("from_option_id") + "), "
        "to_name = (" + names.format("to_option_id") + ")"
    )


def downgrade():
    op.execute("DELETE FROM pick_changes WHERE to_option_id IS NULL")
    with op.batch_alter_table('pick_changes', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('fk_pick_changes_to_option_id_options'), type_='foreignkey')
        batch_op.create_foreign_key(
            op.f('fk_pick_changes_to_option_id_options'), 'options', ['to_option_id'], ['id'],
            ondelete='CASCADE',
        )
        batch_op.alter_column('to_option_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('to_name')
        batch_op.drop_column('from_name')
