"""Running tallies of votes per (option, trust class), so a recompute does not grow with
the vote count. This module is the read side; tally_sync.py keeps them up to date.

With age counted in whole days, an account's trust weight is a function of its trust
class (accounts/trust_class.py) and of today's date, and the class changes only through
an event on the account. So every vote of an account that has a class is counted in
``vote_tallies`` under (option, class) and weighed at read time; only the votes that are
not (yet) counted are read row by row:

- a new vote or a changed option (``votes.untallied``, a generated column with a partial
  index), a held or voided vote, a vote of an account without a class (suspended, ...);
- a counted vote whose voter's class has changed since (a day of taking part, a
  verification, a strike, a suspension): on PostgreSQL a trigger stamps the account row
  with the transaction id of every such change, so these are found by an index range
  over the accounts changed since the tally's sync (``tally_states.synced_xmin``); SQLite
  compares every counted vote's class with its voter's (small sites only);
- a withdrawn vote is gone: its mark row (catalog/changes.py) names the option and class
  it was counted under.

Who is counted where is a fact on the vote row (``tallied_option_id``,
``tallied_class``); only the recompute writes it, under its verdict lock, so the vote
path keeps its statements. ``effective_tallies`` counts only what is certain at read
time, so aggregate.read_inputs is right whether or not a recompute has synced yet.
"""

from __future__ import annotations

from dataclasses import astuple
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..accounts.models import User
from ..accounts.trust import TrustRules
from ..accounts.trust_class import class_sql, class_weight, tallyable
from ..catalog.models import Comparison, InputChange
from ..extensions import db
from ..voting.models import Vote


class VoteTally(db.Model):
    __tablename__ = "vote_tallies"

    comparison_id: Mapped[int] = mapped_column(
        sa.ForeignKey("comparisons.id", ondelete="CASCADE"), primary_key=True
    )
    option_id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    class_code: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    votes: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")


class TallyState(db.Model):
    """Up to which input version, under which trust rule and as of which transaction
    snapshot (PostgreSQL's xmin: every account change by an older transaction is seen)
    the tally is exact."""

    __tablename__ = "tally_states"

    comparison_id: Mapped[int] = mapped_column(
        sa.ForeignKey("comparisons.id", ondelete="CASCADE"), primary_key=True
    )
    synced_version: Mapped[int] = mapped_column(sa.Integer)
    rules_key: Mapped[str] = mapped_column(sa.String(300))
    synced_xmin: Mapped[int | None] = mapped_column(sa.BigInteger)


Key = tuple[int, int]  # (option id, trust class)


def untallied():
    """SQL: the vote is not (validly) in the tally: a new vote, a changed option, a held
    or voided vote (the generated column ``votes.untallied``, the partial index's term)."""
    return Vote.untallied.expression


def moved(dialect: str, rules: TrustRules, xmin: int | None):
    """SQL over votes joined to users: a counted vote whose voter's trust class is no
    longer the one it is counted under. ``xmin``: only accounts changed by a transaction
    at or after it can have moved (PostgreSQL; None re-checks every counted vote)."""
    conditions = [
        Vote.tallied_option_id.is_not(None),
        Vote.untallied.is_(False),
        class_sql(dialect, rules).is_distinct_from(Vote.tallied_class),
    ]
    if xmin is not None:
        conditions.append(User.standing_txid >= xmin)
    return sa.and_(*conditions)


def rules_key(rules: TrustRules) -> str:
    return repr(astuple(rules))


def _state(comparison_id: int, rules: TrustRules) -> tuple[bool, int | None]:
    """(whether the stored tally is exact up to the current input version, its xmin)."""
    row = db.session.execute(
        sa.select(
            TallyState.synced_version,
            TallyState.rules_key,
            TallyState.synced_xmin,
            Comparison.inputs_version,
        )
        .join(Comparison, Comparison.id == TallyState.comparison_id)
        .where(TallyState.comparison_id == comparison_id)
    ).first()
    if row is None or row[1] != rules_key(rules) or row[0] != row[3]:
        return False, None
    return True, row[2]


def effective_tallies(comparison_id: int, rules: TrustRules, synced=None):
    """(votes per (option, class) that are certainly still counted, the SQL condition of
    the counted votes that moved class: read them row by row), or None when the tally
    cannot be trusted (never synced, another trust rule, inputs changed outside the
    member path): then the caller reads every vote. ``synced``: what tally_sync.sync
    returned in this transaction (the state is not read again; its changes are added)."""
    if not tallyable(rules):
        return None
    if synced is not None:
        xmin = synced.xmin
    else:
        valid, xmin = _state(comparison_id, rules)
        if not valid:
            return None
    dialect = db.session.get_bind().dialect.name
    gone = moved(dialect, rules, xmin if dialect == "postgresql" else None)
    stored = sa.select(VoteTally.option_id, VoteTally.class_code, VoteTally.votes).where(
        VoteTally.comparison_id == comparison_id, VoteTally.votes != 0
    )
    withdrawn = (
        sa.select(InputChange.untally_option_id, InputChange.untally_class, -sa.func.count())
        .where(
            InputChange.comparison_id == comparison_id,
            InputChange.untally_option_id.is_not(None),
        )
        .group_by(InputChange.untally_option_id, InputChange.untally_class)
    )
    changed = (
        sa.select(Vote.tallied_option_id, Vote.tallied_class, -sa.func.count())
        .where(
            Vote.comparison_id == comparison_id,
            Vote.tallied_option_id.is_not(None),
            untallied(),
        )
        .group_by(Vote.tallied_option_id, Vote.tallied_class)
    )
    shifted = (
        sa.select(Vote.tallied_option_id, Vote.tallied_class, -sa.func.count())
        .join(User, User.id == Vote.user_id)
        .where(Vote.comparison_id == comparison_id, gone)
        .group_by(Vote.tallied_option_id, Vote.tallied_class)
    )
    # With ``synced``: the changes sync worked out are not written yet (tally_sync.write).
    counts: dict[Key, int] = dict(synced.deltas) if synced is not None else {}
    for option, code, n in db.session.execute(sa.union_all(stored, withdrawn, changed, shifted)):
        counts[(option, code)] = counts.get((option, code), 0) + int(n)
    return {key: n for key, n in counts.items() if n > 0}, gone


def weigh(counts: dict[Key, int], today: date, rules: TrustRules):
    """Per option: (weighted total, weighted total of established voters), and the number
    of counted and of established votes, for tallied votes on ``today``."""
    totals: dict[int, float] = {}
    settled: dict[int, float] = {}
    counted = established = 0
    weights: dict[int, float] = {}
    for (option, code), n in counts.items():
        weight = weights.get(code)
        if weight is None:
            weight = weights[code] = class_weight(code, today, rules)
        totals[option] = totals.get(option, 0.0) + n * weight
        # Every option with a vote has a settled total, 0 when none is established (as
        # the row-by-row aggregate gives it).
        settled[option] = settled.get(option, 0.0)
        if weight > 0:
            counted += n
        if weight >= rules.established:
            established += n
            settled[option] += n * weight
    return totals, settled, counted, established
