"""Demo activity for a first run: demo members who vote, rate pros and cons, post, and
take part in one resolved and one open disagreement, spread over the last 30 days.

`flask crowdpick demo seed` adds it (once: a second run finds the demo members and stops);
`flask crowdpick demo remove` deletes the demo members, everything they wrote, and the
verdicts built on it, then recomputes from the real members' input alone.

Everything goes through the real services (cast_vote, rate_claim, do_disagree, do_post,
do_resolve, recompute_verdict), so the trust rules, the brigade detector, the alignment
hysteresis and the system posts all apply. Those services read the one clock
(core.clock.utcnow, imported by name) and take no clock input, so backdating is done the
other way: each action runs now, and what it wrote (its vote, rating, post or thread, the
verdict version it caused, the pick change) is then moved to the action's moment in the
plan. Actions run oldest first and the detector only looks at the last 6 hours, so every
recompute sees the same history a real month would have left. The accounts are made with
their real trust inputs (age, verified address, active days), so their weights are the
ones the rules give, not a shortcut.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..accounts.models import User
from ..accounts.passwords import hash_password
from ..catalog import changes
from ..catalog.models import Comparison, EditorialVerdict
from ..core.clock import utcnow
from ..discussions import moderation
from ..discussions import services as discussions
from ..discussions.models import PickChange, Post, Thread
from ..extensions import db
from ..verdicts.models import CommunityVerdict, VerdictHistory
from ..verdicts.services import recompute_verdict
from ..voting.models import ClaimRating, Vote
from ..voting.services import cast_vote, rate_claim
from .demo_plan import EDITOR, NAMES, NEWCOMERS, PREFIX, Action, plan

# --- seeding ---------------------------------------------------------------------------


def demo_members() -> list[User]:
    return list(db.session.scalars(sa.select(User).where(User.is_demo).order_by(User.id)))


def _member(name: str, now: datetime, role: str = "member") -> User:
    newcomer = name in NEWCOMERS
    username = PREFIX + name
    user = User(
        username=username,
        username_key=username.casefold(),
        email=f"{username}@demo.invalid",  # .invalid: never delivered anywhere
        email_key=f"{username}@demo.invalid",
        # A random password nobody knows: demo accounts cannot be signed in to.
        password_hash=hash_password(secrets.token_urlsafe(24)),
        role=role,
        is_demo=True,
        created_at=now - timedelta(days=26 if newcomer else 120),
        email_verified_at=None if newcomer else now - timedelta(days=119),
        active_days=2 if newcomer else 14,
        # "Today" already counted, so the seed's own actions add no active day: the
        # count above is the one the plan spreads over the month.
        last_active_on=now.date(),
    )
    db.session.add(user)
    return user


def seed(echo=print) -> bool:
    """Add the demo activity; False (and nothing written) when it is already there."""
    if demo_members():
        echo("Demo activity is already there (flask crowdpick demo remove takes it out).")
        return False
    comparisons = {
        c.title: c
        for c in db.session.scalars(sa.select(Comparison).where(Comparison.status == "published"))
    }
    actions = sorted((a for a in plan() if a.comparison in comparisons), key=lambda a: -a.days_ago)
    if not actions:
        echo("No demo comparisons found: run flask crowdpick import webapp/catalog/demo first.")
        return False
    # A line per recompute would bury the summary (about 150 of them).
    quiet = logging.getLogger("crowdpick.verdicts")
    level = quiet.level
    quiet.setLevel(logging.WARNING)
    try:
        _play(actions, comparisons, echo)
    finally:
        quiet.setLevel(level)
    echo(
        f"Seeded {len(actions)} demo actions by {len(NAMES) + len(NEWCOMERS) + 1} demo members "
        f"on {len({a.comparison for a in actions})} comparisons."
    )
    return True


def _play(actions: list[Action], comparisons: dict[str, Comparison], echo) -> None:
    now = utcnow()
    people = {n: _member(n, now) for n in NAMES + NEWCOMERS}
    people[EDITOR] = _member(EDITOR, now, role="editor")
    db.session.commit()
    for action in actions:
        comparison = comparisons[action.comparison]
        mark = utcnow()
        try:
            _run(action, comparison, people[action.member])
        except Exception as exc:  # noqa: BLE001  a refused action must not stop the demo
            db.session.rollback()
            echo(f"skipped {action.kind} on {comparison.title}: {exc}")
            continue
        _settle(comparison.id, mark, now - timedelta(days=action.days_ago), people)
    last = {}
    for action in actions:
        last[action.member] = (now - timedelta(days=action.days_ago)).date()
    for name, day in last.items():
        people[name].last_active_on = day
    db.session.commit()


def _option(comparison: Comparison, name: str) -> int:
    return next(o.id for o in comparison.options if o.name == name)


def _run(action: Action, comparison: Comparison, member: User) -> None:
    if action.kind == "vote":
        cast_vote(member, comparison, _option(comparison, action.value))
    elif action.kind == "rate":
        index, importance = action.value
        claims = [c for o in comparison.options for c in o.claims]
        rate_claim(member, comparison, claims[index % len(claims)].id, importance)
    elif action.kind == "disagree":
        discussions.do_disagree(member, comparison, action.value)
    elif action.kind == "post":
        thread = discussions.current_disagreement(comparison.id)
        if thread is not None:
            discussions.do_post(member, thread, action.value)
    elif action.kind == "resolve":
        text, pick = action.value
        thread = discussions.current_disagreement(comparison.id)
        if thread is not None:
            moderation.do_resolve(member, thread, text, _option(comparison, pick))


def _settle(comparison_id: int, mark: datetime, at: datetime, people: dict) -> None:
    """Recompute now (when the queue has not already), then move everything written since
    ``mark`` for this comparison to ``at``."""
    verdict = db.session.get(CommunityVerdict, comparison_id, populate_existing=True)
    comparison = db.session.get(Comparison, comparison_id, populate_existing=True)
    # Votes and ratings leave marks (catalog/changes.py) rather than bumping the version.
    if (
        verdict is None
        or comparison.inputs_version > verdict.inputs_seen_version
        or changes.has_pending_marks(comparison_id)
    ):
        recompute_verdict(comparison_id)
    ids = [u.id for u in people.values()]
    threads = sa.select(Thread.id).where(Thread.comparison_id == comparison_id)
    moves = [
        (
            Vote,
            [Vote.user_id.in_(ids), Vote.comparison_id == comparison_id],
            ["created_at", "updated_at"],
        ),
        (
            ClaimRating,
            [ClaimRating.user_id.in_(ids), ClaimRating.comparison_id == comparison_id],
            ["created_at", "updated_at"],
        ),
        (
            Post,
            [
                Post.thread_id.in_(threads),
                sa.or_(Post.author_id.in_(ids), Post.author_id.is_(None)),
            ],
            ["created_at"],
        ),
        (
            Thread,
            [Thread.comparison_id == comparison_id],
            ["created_at", "last_activity_at", "resolved_at"],
        ),
        (VerdictHistory, [VerdictHistory.comparison_id == comparison_id], ["computed_at"]),
        (
            CommunityVerdict,
            [CommunityVerdict.comparison_id == comparison_id],
            ["computed_at", "flipped_at", "inputs_seen_at"],
        ),
        (Comparison, [Comparison.id == comparison_id], ["inputs_changed_at", "edited_at"]),
        (PickChange, [PickChange.comparison_id == comparison_id], ["changed_at"]),
    ]
    for model, where, columns in moves:
        for name in columns:
            column = getattr(model, name)
            db.session.execute(
                sa.update(model)
                .where(*where, column >= mark)
                .values({name: at})
                .execution_options(synchronize_session=False)
            )
    db.session.commit()


# --- removal ---------------------------------------------------------------------------


def remove(echo=print) -> int:
    """Delete the demo members and all they wrote; recompute what it touched from the
    real members' input. Returns how many demo members were removed."""
    ids = [u.id for u in demo_members()]
    if not ids:
        echo("No demo activity to remove.")
        return 0
    demo_posts = sa.select(Post.id).where(Post.author_id.in_(ids))
    touched = set(db.session.scalars(sa.select(Vote.comparison_id).where(Vote.user_id.in_(ids))))
    touched |= set(
        db.session.scalars(sa.select(ClaimRating.comparison_id).where(ClaimRating.user_id.in_(ids)))
    )
    touched |= set(
        db.session.scalars(
            sa.select(Thread.comparison_id)
            .join(Post, Post.thread_id == Thread.id)
            .where(Post.author_id.in_(ids))
        )
    )
    changes_made = list(
        db.session.scalars(
            sa.select(PickChange)
            .where(PickChange.changed_by_id.in_(ids))
            .order_by(PickChange.id.desc())
        )
    )
    for change in changes_made:  # undo the demo editor's switch, unless edited since
        touched.add(change.comparison_id)
        verdict = db.session.get(EditorialVerdict, change.comparison_id)
        if verdict is not None and verdict.picked_option_id == change.to_option_id:
            verdict.picked_option_id = change.from_option_id
        db.session.delete(change)
    touched = sorted(touched)
    # A real member's reply to a demo post stays, as a post of its own.
    db.session.execute(sa.update(Post).where(Post.parent_id.in_(demo_posts)).values(parent_id=None))
    db.session.execute(sa.delete(Post).where(Post.id.in_(demo_posts)))
    # Threads left with no member post at all existed only for the demo.
    member_post = sa.exists().where(Post.thread_id == Thread.id, Post.author_id.is_not(None))
    db.session.execute(
        sa.delete(Thread)
        .where(Thread.comparison_id.in_(touched), ~member_post)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(sa.delete(Vote).where(Vote.user_id.in_(ids)))
    db.session.execute(sa.delete(ClaimRating).where(ClaimRating.user_id.in_(ids)))
    db.session.execute(sa.delete(User).where(User.id.in_(ids)))
    # The stored verdicts and their history were built on demo input: start them afresh.
    db.session.execute(sa.delete(VerdictHistory).where(VerdictHistory.comparison_id.in_(touched)))
    db.session.execute(
        sa.delete(CommunityVerdict).where(CommunityVerdict.comparison_id.in_(touched))
    )
    recount = sa.select(sa.func.count(Post.id)).where(Post.thread_id == Thread.id).scalar_subquery()
    db.session.execute(
        sa.update(Thread)
        .where(Thread.comparison_id.in_(touched))
        .values(post_count=recount)
        .execution_options(synchronize_session=False)
    )
    changes.mark_inputs_changed(touched)
    changes.commit()
    for comparison_id in touched:
        recompute_verdict(comparison_id)
    echo(f"Removed {len(ids)} demo members and their input on {len(touched)} comparisons.")
    return len(ids)
