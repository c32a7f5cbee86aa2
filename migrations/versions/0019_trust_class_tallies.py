"""trust-class tallies: every tallyable vote counted per (option, trust class) (issue 14)

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-29 19:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

# Every write that can change an account's trust class stamps the row with its
# transaction id, so a recompute finds the accounts changed since its last sync by an
# index range (verdicts/tallies.py). A trigger, so no writer (raw SQL included) can forget.
STANDING_COLUMNS = (
    "created_at",
    "active_days",
    "email_verified_at",
    "strikes",
    "suspended_at",
    "votes_voided_at",
)
TRIGGER_FUNCTION = """
CREATE FUNCTION users_stamp_standing() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.standing_txid := txid_current();
    RETURN NEW;
END $$
"""
TRIGGER = (
    "CREATE TRIGGER users_standing_changed BEFORE UPDATE OF {columns} ON users"
    " FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION users_stamp_standing()"
)


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("votes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tallied_class", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("input_changes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("untally_class", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("standing_txid", sa.BigInteger(), nullable=True))
    op.create_index("ix_users_standing_txid", "users", ["standing_txid"], unique=False)
    if postgres:
        op.execute(TRIGGER_FUNCTION)
        op.execute(
            TRIGGER.format(
                columns=", ".join(STANDING_COLUMNS),
                changed=" OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in STANDING_COLUMNS),
            )
        )
    # The tallies are derived data: drop them; the next recompute of each comparison
    # reads every vote and rebuilds its tally in the new shape.
    op.drop_table("vote_tallies")
    op.create_table(
        "vote_tallies",
        sa.Column("comparison_id", sa.Integer(), nullable=False),
        sa.Column("option_id", sa.Integer(), nullable=False),
        sa.Column("class_code", sa.BigInteger(), nullable=False),
        sa.Column("votes", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["comparison_id"],
            ["comparisons.id"],
            name=op.f("fk_vote_tallies_comparison_id_comparisons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "comparison_id", "option_id", "class_code", name=op.f("pk_vote_tallies")
        ),
    )
    op.execute("DELETE FROM tally_states")
    with op.batch_alter_table("tally_states", schema=None) as batch_op:
        batch_op.add_column(sa.Column("synced_xmin", sa.BigInteger(), nullable=True))


def downgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    op.execute("DELETE FROM tally_states")
    with op.batch_alter_table("tally_states", schema=None) as batch_op:
        batch_op.drop_column("synced_xmin")
    op.drop_table("vote_tallies")
    op.create_table(
        "vote_tallies",
        sa.Column("comparison_id", sa.Integer(), nullable=False),
        sa.Column("option_id", sa.Integer(), nullable=False),
        sa.Column("full_votes", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["comparison_id"],
            ["comparisons.id"],
            name=op.f("fk_vote_tallies_comparison_id_comparisons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("comparison_id", "option_id", name=op.f("pk_vote_tallies")),
    )
    if postgres:
        op.execute("DROP TRIGGER IF EXISTS users_standing_changed ON users")
        op.execute("DROP FUNCTION IF EXISTS users_stamp_standing()")
    op.drop_index("ix_users_standing_txid", table_name="users")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("standing_txid")
    with op.batch_alter_table("input_changes", schema=None) as batch_op:
        batch_op.drop_column("untally_class")
    # Not recreated: a copy of votes cannot write its generated column (SQLite).
    with op.batch_alter_table("votes", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("tallied_class")
