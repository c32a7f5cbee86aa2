"""Voting actions: the one entry point for votes (cast_vote / withdraw_vote) and for claim
ratings (rate_claim). Each writes its row with an upsert held by a unique constraint,
marks the comparison's inputs as changed in the same transaction, and commits."""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa

from ..accounts.models import User
from ..accounts.services import note_participation, weight_explained
from ..catalog.models import Claim, Comparison, Option
from ..core.actions import ActionError
from ..core.clock import utcnow
from ..core.upsert import insert_for
from ..extensions import db
from ..scoring.personal import personal_pick
from ..verdicts import queue
from .models import ClaimRating, Vote


def _mark_inputs_changed(comparison_id: int) -> None:
    """Same transaction as the write: the sweep trusts this mark (the input version). The
    recompute request goes out only after the commit (and never for a rollback)."""
    queue.mark_inputs_changed([comparison_id])


_WHOLE = re.compile(r"-?[0-9]{1,11}")


def _whole_number(value, what: str, low: int | None = None, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ActionError(f"{what} must be a whole number.", 422)
    text = str(value).strip()
    # ASCII digits with at most one "-": str.isdigit() takes "²" and int() refuses it.
    if not _WHOLE.fullmatch(text):
        raise ActionError(f"{what} must be a whole number.", 422)
    number = int(text)
    if (low is not None and number < low) or (high is not None and number > high):
        raise ActionError(f"{what} must be from {low} to {high}.", 422)
    return number


def check_option(comparison: Comparison, option_id) -> int:
    if option_id is None or option_id == "":
        raise ActionError("Choose an option to vote for.", 422)
    number = _whole_number(option_id, "The option")
    if number not in {o.id for o in comparison.options}:
        raise ActionError("That option is not part of this comparison.", 422)
    return number


def cast_vote(user: User, comparison: Comparison, option_id, source: str | None = None) -> int:
    """Create or change the member's vote; concurrent calls leave exactly one row.
    ``source``: the network prefix the request came from (brigade evidence)."""
    option = check_option(comparison, option_id)
    now = utcnow()
    stmt = insert_for(Vote).values(
        user_id=user.id,
        comparison_id=comparison.id,
        option_id=option,
        created_at=now,
        updated_at=now,
        source_prefix=source,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[Vote.user_id, Vote.comparison_id],
        set_={
            "option_id": stmt.excluded.option_id,
            "updated_at": stmt.excluded.updated_at,
            "source_prefix": stmt.excluded.source_prefix,
        },
        # A held vote keeps its option until moderators decide: releasing the episode
        # must count what the burst pushed, not a later switch.
        where=Vote.held_at.is_(None),
    ).returning(Vote.id)
    if db.session.execute(stmt).scalar() is None:  # the WHERE kept a held row as it was
        db.session.rollback()
        raise ActionError(
            "Your vote is held for review; it can be changed once moderators have looked at it.",
            409,
        )
    note_participation(user)
    _mark_inputs_changed(comparison.id)
    queue.commit()
    return option


def withdraw_vote(user: User, comparison: Comparison) -> bool:
    """Delete the member's vote. A vote held for review or voided by moderators stays:
    deleting it would erase the record, and voting again would bring it back counting."""
    under_review = db.session.execute(
        sa.select(Vote.held_at.is_not(None), Vote.voided_at.is_not(None)).where(
            Vote.user_id == user.id, Vote.comparison_id == comparison.id
        )
    ).first()
    if under_review is not None and under_review[0]:
        raise ActionError(
            "Your vote is held for review; it can be withdrawn once moderators have looked at it.",
            409,
        )
    if under_review is not None and under_review[1]:
        raise ActionError("Moderators voided this vote; it stays on record.", 409)
    deleted = db.session.execute(
        sa.delete(Vote).where(Vote.user_id == user.id, Vote.comparison_id == comparison.id)
    ).rowcount
    if deleted:
        _mark_inputs_changed(comparison.id)
    queue.commit()
    return bool(deleted)


def check_claim(comparison: Comparison, claim_id) -> int:
    number = _whole_number(claim_id, "The claim")
    owned = db.session.scalar(
        sa.select(Claim.id)
        .join(Option, Option.id == Claim.option_id)
        .where(Claim.id == number, Option.comparison_id == comparison.id)
    )
    if owned is None:
        raise ActionError("That pro or con is not part of this comparison.", 404)
    return number


def rate_claim(user: User, comparison: Comparison, claim_id, importance) -> int | None:
    """Set (0-4) or clear (None / "") the member's importance for one claim."""
    claim = check_claim(comparison, claim_id)
    if importance is None or importance == "":
        db.session.execute(
            sa.delete(ClaimRating).where(
                ClaimRating.user_id == user.id, ClaimRating.claim_id == claim
            )
        )
        value = None
    else:
        value = _whole_number(importance, "Importance", 0, 4)
        now = utcnow()
        stmt = insert_for(ClaimRating).values(
            user_id=user.id,
            claim_id=claim,
            comparison_id=comparison.id,
            importance=value,
            created_at=now,
            updated_at=now,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[ClaimRating.user_id, ClaimRating.claim_id],
            set_={"importance": stmt.excluded.importance, "updated_at": stmt.excluded.updated_at},
        )
        db.session.execute(stmt)
        note_participation(user)
    _mark_inputs_changed(comparison.id)
    queue.commit()
    return value


@dataclass
class MemberInputs:
    """What one member has put into one comparison, for its page and JSON answers."""

    vote: int | None
    ratings: dict[int, int]
    weighted_pick: int | None
    weight: object = None  # accounts.trust.WeightExplained, for the member's own page
    on_hold: str | None = None  # "held" or "voided": the vote counts 0 for now

    @property
    def differs(self) -> bool:
        return self.vote is not None and self.weighted_pick not in (None, self.vote)

    def as_json(self) -> dict:
        return {
            "vote": self.vote,
            "ratings": {str(k): v for k, v in self.ratings.items()},
            "weighted_pick": self.weighted_pick,
            "differs": self.differs,
        }


def member_inputs(user: User | None, comparison: Comparison) -> MemberInputs | None:
    if user is None or not user.is_authenticated:
        return None
    inputs = inputs_of(user.id, comparison.id, [o.id for o in comparison.options])
    inputs.weight = weight_explained(user)
    return inputs


def inputs_of(user_id: int, comparison_id: int, option_ids: list[int]) -> MemberInputs:
    """By ids, so a caller can ask after its commit without reloading expired rows."""
    row = db.session.execute(
        sa.select(Vote.option_id, Vote.held_at.is_not(None), Vote.voided_at.is_not(None)).where(
            Vote.user_id == user_id, Vote.comparison_id == comparison_id
        )
    ).first()
    vote = row[0] if row else None
    on_hold = ("voided" if row[2] else "held" if row[1] else None) if row else None
    ratings = dict(
        db.session.execute(
            sa.select(ClaimRating.claim_id, ClaimRating.importance).where(
                ClaimRating.user_id == user_id, ClaimRating.comparison_id == comparison_id
            )
        ).all()
    )
    # Only with some ratings of their own does a member have "priorities" to show.
    weighted = None
    if ratings:
        claims = db.session.execute(
            sa.select(Claim.id, Claim.kind, Claim.option_id)
            .join(Option, Option.id == Claim.option_id)
            .where(Option.comparison_id == comparison_id)
        ).all()
        weighted = personal_pick(option_ids, claims, ratings)
    return MemberInputs(vote=vote, ratings=ratings, weighted_pick=weighted, on_hold=on_hold)


def votes_of(user: User) -> sa.Select:
    return (
        sa.select(Vote)
        .join(Comparison, Comparison.id == Vote.comparison_id)
        .where(Vote.user_id == user.id, Comparison.status == "published")
        .order_by(Vote.updated_at.desc(), Vote.id.desc())
    )
