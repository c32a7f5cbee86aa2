"""Voting actions: the one entry point for votes (cast_vote / withdraw_vote) and for claim
ratings (rate_claim). Each writes its row with an upsert held by a unique constraint,
marks the comparison's inputs as changed in the same transaction, and commits."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload

from ..accounts.models import User
from ..accounts.services import note_participation, weight_explained
from ..catalog import changes
from ..catalog.models import Claim, Comparison, Option
from ..core.actions import ActionError
from ..core.clock import utcnow
from ..core.upsert import insert_for
from ..extensions import db
from ..scoring.personal import personal_pick
from .models import IMPORTANCE_LABELS, ClaimRating, Vote


def _mark_inputs_changed(comparison_id: int) -> None:
    """Same transaction as the write: the sweep trusts this mark (the input version). The
    recompute request goes out only after the commit (and never for a rollback)."""
    changes.mark_inputs_changed([comparison_id])


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_open(comparison: Comparison) -> None:
    """An archived comparison stays readable, but its verdict is closed to new input."""
    if comparison.status != "published":
        raise ActionError(
            "This comparison is archived: voting and rating are closed. "
            "Its verdict stays as the community left it.",
            409,
        )


def check_option(comparison: Comparison, option_id: int) -> int:
    """Which options belong to the comparison is the service's to know (the form reads
    the number, voting/forms.py)."""
    if not _is_int(option_id) or option_id not in {o.id for o in comparison.options}:
        raise ActionError("That option is not part of this comparison.", 422)
    return option_id


def cast_vote(user: User, comparison: Comparison, option_id, source: str | None = None) -> int:
    """Create or change the member's vote; concurrent calls leave exactly one row.
    ``source``: the network prefix the request came from (brigade evidence)."""
    check_open(comparison)
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
    changes.commit()
    return option


def withdraw_vote(user: User, comparison: Comparison) -> bool:
    """Delete the member's vote. A vote held for review or voided by moderators stays:
    deleting it would erase the record, and voting again would bring it back counting."""
    check_open(comparison)
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
    changes.commit()
    return bool(deleted)


def check_claim(comparison: Comparison, claim_id: int) -> int:
    owned = db.session.scalar(
        sa.select(Claim.id)
        .join(Option, Option.id == Claim.option_id)
        .where(Claim.id == claim_id, Option.comparison_id == comparison.id)
    )
    if owned is None:
        raise ActionError("That pro or con is not part of this comparison.", 404)
    return claim_id


def rate_claim(user: User, comparison: Comparison, claim_id: int, importance) -> int | None:
    """Set (0-4) or clear (None) the member's importance for one claim."""
    check_open(comparison)
    claim = check_claim(comparison, claim_id)
    if importance is not None and not (_is_int(importance) and importance in IMPORTANCE_LABELS):
        # Last line for callers without the form (voting/forms.py reads the request's).
        raise ActionError("Importance must be a whole number from 0 to 4.", 422)
    if importance is None:
        db.session.execute(
            sa.delete(ClaimRating).where(
                ClaimRating.user_id == user.id, ClaimRating.claim_id == claim
            )
        )
        value = None
    else:
        value = importance
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
    changes.commit()
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
    claims = None
    # The comparison page has loaded every option's claims already: reuse them rather
    # than read them again (but never lazy-load them one option at a time).
    if all("claims" not in sa.inspect(o).unloaded for o in comparison.options):
        claims = [(c.id, c.kind, c.option_id) for o in comparison.options for c in o.claims]
    inputs = inputs_of(user.id, comparison.id, [o.id for o in comparison.options], claims)
    inputs.weight = weight_explained(user)
    return inputs


def inputs_of(
    user_id: int,
    comparison_id: int,
    option_ids: list[int],
    claims: list[tuple[int, str, int]] | None = None,
) -> MemberInputs:
    """By ids, so a caller can ask after its commit without reloading expired rows.
    ``claims``: the comparison's (claim id, kind, option id), when the caller has them."""
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
        if claims is None:
            claims = db.session.execute(
                sa.select(Claim.id, Claim.kind, Claim.option_id)
                .join(Option, Option.id == Claim.option_id)
                .where(Option.comparison_id == comparison_id)
            ).all()
        weighted = personal_pick(option_ids, claims, ratings)
    return MemberInputs(vote=vote, ratings=ratings, weighted_pick=weighted, on_hold=on_hold)


def votes_of(user: User) -> sa.Select:
    """The member's votes on published comparisons, latest first, each with the comparison
    and the option it names (the profile lists both: no statement per vote)."""
    return (
        sa.select(Vote)
        .join(Comparison, Comparison.id == Vote.comparison_id)
        .where(Vote.user_id == user.id, Comparison.status == "published")
        .order_by(Vote.updated_at.desc(), Vote.id.desc())
        .options(contains_eager(Vote.comparison), joinedload(Vote.option))
    )
