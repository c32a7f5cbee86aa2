"""vote_tallies: running tallies of full-weight votes (issue 14, item 3)

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-29 16:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

# Votes the tallies do not hold (verdicts/tallies.py), as a generated column: the planner
# keeps statistics on it (it cannot estimate "tallied_option_id != option_id"), and the
# vote path's statements compute it without naming it.
UNTALLIED = (
    "tallied_option_id IS NULL OR tallied_option_id != option_id"
    " OR held_at IS NOT NULL OR voided_at IS NOT NULL"
)


def upgrade():
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tallied_option_id', sa.Integer(), nullable=True))
    with op.batch_alter_table('votes', schema=None) as batch_op:
        # STORED on PostgreSQL, VIRTUAL on SQLite (which cannot add a stored column).
        stored = True if op.get_bind().dialect.name == 'postgresql' else None
        batch_op.add_column(
            sa.Column(
                'untallied', sa.Boolean(), sa.Computed(UNTALLIED, persisted=stored), nullable=True
            )
        )
    op.create_index(
        'ix_votes_untallied',
        'votes',
        ['comparison_id', 'tallied_option_id'],
        unique=False,
        postgresql_where=sa.text('untallied'),
        sqlite_where=sa.text('untallied = 1'),
    )
    if op.get_bind().dialect.name == 'postgresql':
        # How many of ONE comparison's votes are untallied (few, for a big one): without
        # joint statistics the planner multiplies two table-wide shares and expects
        # thousands, then hashes all of users instead of looking up the few voters.
        op.execute(
            'CREATE STATISTICS votes_comparison_untallied (mcv) ON comparison_id, untallied'
            ' FROM votes'
        )
    with op.batch_alter_table('input_changes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('untally_option_id', sa.Integer(), nullable=True))
    op.create_table(
        'vote_tallies',
        sa.Column('comparison_id', sa.Integer(), nullable=False),
        sa.Column('option_id', sa.Integer(), nullable=False),
        sa.Column('full_votes', sa.Integer(), server_default='0', nullable=False),
        sa.ForeignKeyConstraint(
            ['comparison_id'], ['comparisons.id'],
            name=op.f('fk_vote_tallies_comparison_id_comparisons'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('comparison_id', 'option_id', name=op.f('pk_vote_tallies')),
    )
    op.create_table(
        'tally_states',
        sa.Column('comparison_id', sa.Integer(), nullable=False),
        sa.Column('synced_version', sa.Integer(), nullable=False),
        sa.Column('rules_key', sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ['comparison_id'], ['comparisons.id'],
            name=op.f('fk_tally_states_comparison_id_comparisons'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('comparison_id', name=op.f('pk_tally_states')),
    )


def downgrade():
    op.drop_table('tally_states')
    op.drop_table('vote_tallies')
    with op.batch_alter_table('input_changes', schema=None) as batch_op:
        batch_op.drop_column('untally_option_id')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP STATISTICS IF EXISTS votes_comparison_untallied')
    op.drop_index('ix_votes_untallied', table_name='votes')
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.drop_column('untallied')
        batch_op.drop_column('tallied_option_id')
