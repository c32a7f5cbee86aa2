"""users.is_demo: marks the demo members that `flask crowdpick demo seed` creates

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 12:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("is_demo", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("is_demo")
