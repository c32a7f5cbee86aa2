"""Where each post's author stands, Kialo-style: "voted for the editors' pick (X)",
"voted for Y" or "has not voted", from the author's current vote on the thread's
comparison (a voided vote is no vote; a vote held for review is still the author's).
One statement per page, whatever the number of posts."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ..extensions import db
from ..voting.models import Vote


@dataclass(frozen=True)
class Stance:
    kind: str  # "pick": the editors' pick; "other": another option; "none": no vote
    label: str


NO_VOTE = Stance("none", "has not voted")


def stances_of(comparison, posts) -> dict[int, Stance]:
    """Author id -> stance for the authors of ``posts`` (system posts have none)."""
    authors = {p.author_id for p in posts if p.author_id is not None}
    if not authors:
        return {}
    votes = dict(
        db.session.execute(
            sa.select(Vote.user_id, Vote.option_id).where(
                Vote.comparison_id == comparison.id,
                Vote.user_id.in_(authors),
                Vote.voided_at.is_(None),
            )
        ).all()
    )
    names = {o.id: o.name for o in comparison.options}
    pick = comparison.verdict.picked_option_id if comparison.verdict else None
    return {author: _stance(votes.get(author), pick, names) for author in authors}


def _stance(option_id: int | None, pick: int | None, names: dict[int, str]) -> Stance:
    if option_id is None or option_id not in names:
        return NO_VOTE
    if option_id == pick:
        return Stance("pick", f"voted for the editors' pick ({names[option_id]})")
    return Stance("other", f"voted for {names[option_id]}")
