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
from ..extensions import db
from ..scoring.personal import personal_pick
from . import onestatement, statements
from .models import IMPORTANCE_LABELS, ClaimRating, Vote


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class OptionRef:
    id: int
    name: str


@dataclass(frozen=True)
class Target:
    """The little a vote or a rating needs of its comparison, read in one statement (not
    the ORM object graph). Duck-types as a Comparison for the checks below."""

    id: int
    slug: str
    status: str
    options: tuple[OptionRef, ...]

    @property
    def names(self) -> dict[int, str]:
        return {o.id: o.name for o in self.options}


def find_target(slug: str) -> Target:
    """A readable (published or archived) comparison and its options, or a 404."""
    rows = statements.core().execute(statements.target_query(), {"slug": slug}).all()
    if not rows:
        raise ActionError(NOT_PUBLISHED, 404)
    first = rows[0]
    options = tuple(OptionRef(r.option_id, r.name) for r in rows if r.option_id is not None)
    return Target(first.id, first.slug, first.status, options)


NOT_PUBLISHED = "No published comparison lives at this address."
# The flash category of a vote's, withdrawal's or rating's answer: shown in the "Your
# pick" box the redirect lands on (#your-pick), not at the top of the page, out of view.
ANSWER_FLASH = "vote"
HELD = "Your vote is held for review; it can be changed once moderators have looked at it."


def check_open(comparison) -> None:
    """An archived comparison stays readable, but its verdict is closed to new input."""
    if comparison.status != "published":
        raise ActionError(
            "This comparison is archived: voting and rating are closed. "
            "Its verdict stays as the community left it.",
            409,
        )


def check_option(comparison, option_id: int) -> int:
    """Which options belong to the comparison is the service's to know (the form reads
    the number, voting/forms.py)."""
    if not _is_int(option_id) or option_id not in {o.id for o in comparison.options}:
        raise ActionError("That option is not part of this comparison.", 422)
    return option_id


def cast_vote(user: User, comparison, option_id, source: str | None = None) -> int:
    """Create or change the member's vote; concurrent calls leave exactly one row.
    ``source``: the network prefix the request came from (brigade evidence)."""
    return vote_with_answer(user, comparison, option_id, source)[0]


def vote_with_answer(
    user: User, comparison, option_id, source: str | None = None, answer: bool = False
) -> tuple[int, MemberInputs | None]:
    """cast_vote, and with ``answer`` the member's inputs for the JSON answer, read in the
    write's transaction (after the commit they would cost a second connection)."""
    check_open(comparison)
    option = check_option(comparison, option_id)
    now = utcnow()
    params = {"u": user.id, "c": comparison.id, "o": option, "now": now, "src": source}
    if statements.core().execute(statements.vote_upsert(), params).scalar() is None:
        # The WHERE kept a held row as it was: nothing written, nothing to undo.
        raise ActionError(HELD, 409)
    note_participation(user)
    # Same transaction as the write: the sweep trusts the mark; the recompute request
    # goes out only after the commit.
    changes.mark_member_input(comparison.id)
    inputs = None
    if answer:
        inputs = _answer_inputs(user.id, comparison, option)
    changes.commit()
    return option, inputs


def vote_by_slug(
    user: User, slug: str, option_id, source: str | None = None, answer: bool = False
) -> tuple[Target, int, MemberInputs | None]:
    """The vote endpoint's service: find the comparison by its address and vote. On
    PostgreSQL one statement does it all (voting/onestatement.py); elsewhere it runs step
    by step. Same checks, same errors, same rows either way."""
    if db.session.get_bind().dialect.name != "postgresql":
        target = find_target(slug)
        option, inputs = vote_with_answer(user, target, option_id, source, answer)
        return target, option, inputs
    if not _is_int(option_id):
        find_target(slug)  # an unknown address is a 404 first
        raise ActionError("That option is not part of this comparison.", 422)
    comparison_id, slug, names, claims, ratings = onestatement.vote(
        statements.core(), user.id, slug, option_id, source, answer
    )
    target = Target(comparison_id, slug, "published", tuple(OptionRef(*o) for o in names.items()))
    changes.request_recompute(comparison_id)  # the statement wrote the mark
    inputs = None
    if answer:
        weighted = personal_pick(list(names), claims, ratings) if ratings else None
        inputs = MemberInputs(vote=option_id, ratings=ratings, weighted_pick=weighted)
    changes.commit()
    return target, option_id, inputs


def withdraw_vote(user: User, comparison) -> bool:
    """Delete the member's vote. A vote held for review or voided by moderators stays:
    deleting it would erase the record, and voting again would bring it back counting.
    Returns whether there was a vote."""
    return withdraw_with_answer(user, comparison)[0]


def withdraw_with_answer(
    user: User, comparison, answer: bool = False
) -> tuple[bool, MemberInputs | None]:
    """withdraw_vote, and with ``answer`` the member's inputs, read before the commit."""
    check_open(comparison)
    deleted = statements.core().execute(
        statements.withdraw_statement(), {"u": user.id, "c": comparison.id}
    )
    gone = deleted.first()
    if gone is None:
        # Nothing deleted: no vote, or one under review (rare; one more read to say which).
        under_review = db.session.execute(
            sa.select(Vote.held_at.is_not(None), Vote.voided_at.is_not(None)).where(
                Vote.user_id == user.id, Vote.comparison_id == comparison.id
            )
        ).first()
        if under_review is not None and under_review[0]:
            raise ActionError(
                "Your vote is held for review; it can be withdrawn once moderators have "
                "looked at it.",
                409,
            )
        if under_review is not None and under_review[1]:
            raise ActionError("Moderators voided this vote; it stays on record.", 409)
        return (False, _answer_inputs(user.id, comparison, None) if answer else None)
    changes.mark_member_input(comparison.id, gone.tallied_option_id, gone.tallied_class)
    inputs = _answer_inputs(user.id, comparison, None) if answer else None
    changes.commit()
    return True, inputs


def check_claim(comparison, claim_id: int) -> int:
    owned = statements.core().scalar(
        statements.claim_check(), {"claim": claim_id, "c": comparison.id}
    )
    if owned is None:
        raise ActionError("That pro or con is not part of this comparison.", 404)
    return claim_id


def rate_claim(user: User, comparison, claim_id: int, importance) -> int | None:
    """Set (0-4) or clear (None) the member's importance for one claim."""
    return rate_with_answer(user, comparison, claim_id, importance)[0]


def rate_with_answer(
    user: User, comparison, claim_id: int, importance, answer: bool = False
) -> tuple[int | None, MemberInputs | None]:
    """rate_claim, and with ``answer`` the member's inputs, read before the commit."""
    check_open(comparison)
    if importance is not None and not (_is_int(importance) and importance in IMPORTANCE_LABELS):
        # Last line for callers without the form (voting/forms.py reads the request's);
        # an unknown claim is a 404 first.
        check_claim(comparison, claim_id)
        raise ActionError("Importance must be a whole number from 0 to 4.", 422)
    params = {"u": user.id, "claim": claim_id, "c": comparison.id}
    if importance is None:
        check_claim(comparison, claim_id)
        statements.core().execute(statements.rating_delete(), params)
    else:
        # The INSERT ... SELECT writes only a claim of this comparison: the ownership
        # check and the write are one statement; no row back means not ours (404).
        now = utcnow()
        written = statements.core().execute(
            statements.rating_upsert(), {**params, "i": importance, "now": now}
        )
        if written.first() is None:  # nothing written
            check_claim(comparison, claim_id)  # raises the 404
        note_participation(user)
    # Same transaction as the write: the sweep trusts the mark; the recompute request
    # goes out only after the commit.
    changes.mark_member_input(comparison.id)
    inputs = _answer_inputs(user.id, comparison, _NO_VOTE_READ) if answer else None
    changes.commit()
    return importance, inputs


_NO_VOTE_READ = object()


def _answer_inputs(user_id: int, comparison, vote) -> MemberInputs:
    """The member's inputs for the JSON answer, inside the write's transaction: the claims
    with the member's ratings in one statement; the vote as just written (``vote``), or
    read with them (``_NO_VOTE_READ``)."""
    rows = (
        statements.core()
        .execute(statements.answer_query(), {"u": user_id, "c": comparison.id})
        .all()
    )
    claims = [(r.claim_id, r.kind, r.option_id) for r in rows if r.claim_id is not None]
    ratings = {r.claim_id: r.importance for r in rows if r.importance is not None}
    on_hold = None
    if vote is _NO_VOTE_READ:
        vote = rows[0].vote if rows else None
        if rows and rows[0].vote is not None:
            on_hold = "voided" if rows[0].voided else "held" if rows[0].held else None
    option_ids = [o.id for o in comparison.options]
    weighted = personal_pick(option_ids, claims, ratings) if ratings else None
    return MemberInputs(vote=vote, ratings=ratings, weighted_pick=weighted, on_hold=on_hold)


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


def vote_count(user: User) -> int:
    """How many of ``votes_of`` there are (a profile's total)."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(votes_of(user).order_by(None).subquery())
    )


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
