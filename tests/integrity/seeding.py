"""Building held votes the way production does: established members settle a
comparison, then a burst of fresh accounts votes through ``cast_vote`` and the verdict
recompute that follows (in-process without Redis, the worker with it) holds them."""

from __future__ import annotations

import itertools
from datetime import timedelta

import sqlalchemy as sa

from tests import factories
from webapp.core.clock import utcnow
from webapp.extensions import db
from webapp.integrity.models import HoldEpisode
from webapp.verdicts import services as verdicts
from webapp.voting.models import Vote
from webapp.voting.services import cast_vote

BRIGADE_NET = "203.0.113.0/24"
_seq = itertools.count(1)


def settle(comparison, option, n: int = 10, days_ago: float = 2.0, name: str = "settled"):
    """n established members vote for ``option``; their votes are then dated ``days_ago``
    days back, so they are the comparison's settled votes and its baseline rate."""
    members = [factories.established(f"{name}{next(_seq)}") for _ in range(n)]
    db.session.commit()
    for i, member in enumerate(members):
        cast_vote(member, comparison, option.id, f"198.18.{i}.0/24")  # a network each
    backdate_votes(comparison.id, [m.id for m in members], timedelta(days=days_ago))
    return members


def backdate_votes(comparison_id: int, user_ids: list[int], by: timedelta) -> None:
    moment = utcnow() - by
    db.session.execute(
        sa.update(Vote)
        .where(Vote.comparison_id == comparison_id, Vote.user_id.in_(user_ids))
        .values(created_at=moment, updated_at=moment)
    )
    db.session.commit()


def fresh_accounts(n: int, name: str = "burst"):
    accounts = [factories.user(f"{name}{next(_seq)}", verified=True) for _ in range(n)]
    db.session.commit()
    return accounts


def burst(comparison, option, n: int = 6, prefix: str | None = BRIGADE_NET, accounts=None):
    """Fresh accounts (registered now, even with a verified e-mail) vote for ``option``
    from one network; every vote is followed by the recompute it asks for."""
    accounts = accounts if accounts is not None else fresh_accounts(n)
    for account in accounts:
        cast_vote(account, comparison, option.id, prefix)
    return accounts


def episode_of(comparison_id: int) -> HoldEpisode | None:
    return db.session.scalars(
        sa.select(HoldEpisode)
        .where(HoldEpisode.comparison_id == comparison_id)
        .order_by(HoldEpisode.id.desc())
        .execution_options(populate_existing=True)
    ).first()


def votes_of(comparison_id: int, user_ids) -> list[Vote]:
    return list(
        db.session.scalars(
            sa.select(Vote)
            .where(Vote.comparison_id == comparison_id, Vote.user_id.in_(list(user_ids)))
            .order_by(Vote.id)
            .execution_options(populate_existing=True)
        )
    )


def stored(comparison_id: int):
    verdict = verdicts.get_verdict(comparison_id)
    if verdict is not None:
        db.session.refresh(verdict)
    return verdict


def totals(verdict) -> dict[int, float]:
    return {row["option"]: row["vote_total"] for row in verdict.options}
