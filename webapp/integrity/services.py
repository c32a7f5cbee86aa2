"""Integrity actions. The detector holds votes inside a verdict recompute; moderators
release or void held votes by episode, void or restore an account's votes, and suspend
or reinstate accounts. Every moderator action is logged and recomputes each comparison
it touches (after the commit, through catalog.changes)."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased, selectinload

from ..accounts.models import User, new_session_token
from ..accounts.trust import TrustRules
from ..accounts.trust_sql import trust_weight_sql
from ..catalog import changes
from ..catalog.models import Comparison
from ..core.actions import ActionError
from ..core.clock import as_utc, utcnow
from ..extensions import db
from ..modlog import services as modlog
from ..voting.models import ClaimRating, Vote
from .models import HoldEpisode, ModerationAction

# Reasons arrive as integrity/forms.py reads them: stripped, within REASON_MAX.

# --- moderators -------------------------------------------------------------------


def require_moderator(user: User) -> None:
    if not user.has_role("moderator"):
        raise ActionError("Only moderators can do that.", 403)


def _log(
    actor: User | None,
    action: str,
    reason: str,
    affected: int,
    target: User | None = None,
    episode: HoldEpisode | None = None,
) -> None:
    """The moderators' own log (with counts and episodes) and the public one, where a
    hold episode is named by its comparison (the episode page is for moderators)."""
    db.session.add(
        ModerationAction(
            actor_id=actor.id if actor else None,
            action=action,
            reason=reason,
            affected=affected,
            target_user_id=target.id if target else None,
            episode_id=episode.id if episode else None,
        )
    )
    detail = "" if action in ("suspend", "unsuspend") else f"{affected} vote{_s(affected)}"
    if target is not None:
        subject = modlog.user_subject(target)
    else:
        subject = modlog.comparison_subject(episode.comparison)
        detail = f"hold episode {episode.id}, {detail}"
    modlog.record_action(actor, action, subject, reason, detail=detail)


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def _touch(comparison_ids) -> None:
    """Mark comparisons' inputs changed (the sweep's mark) and ask for their recompute
    once this transaction commits."""
    changes.mark_inputs_changed(comparison_ids)


def _comparisons_of_account(user_id: int) -> set[int]:
    voted = sa.select(Vote.comparison_id).where(Vote.user_id == user_id)
    rated = sa.select(ClaimRating.comparison_id).where(ClaimRating.user_id == user_id)
    return set(db.session.scalars(sa.union(voted, rated)))


def standing_changed(user_id: int) -> None:
    """An account's standing changed (e.g. a post of theirs hidden): every comparison it
    has input in is recomputed once the caller commits through catalog.changes."""
    _touch(_comparisons_of_account(user_id))


def get_episode(episode_id: int) -> HoldEpisode:
    episode = db.session.get(HoldEpisode, episode_id)
    if episode is None:
        raise ActionError("No hold episode with that number.", 404)
    return episode


def _lock_episode(episode_id: int) -> HoldEpisode:
    """The episode, its row locked until the commit (FOR UPDATE on PostgreSQL; SQLite has
    one writer at a time). The detector locks the open episode it adds votes to, so a
    release or void never misses votes held while it runs (they would stay held in a
    closed episode that no queue shows and no cool-off releases)."""
    episode = db.session.scalars(
        sa.select(HoldEpisode)
        .where(HoldEpisode.id == episode_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if episode is None:
        raise ActionError("No hold episode with that number.", 404)
    return episode


def _close_episode(moderator: User | None, episode_id: int, status: str, reason: str) -> int:
    episode = _lock_episode(episode_id)
    if episode.status != "open":
        raise ActionError(f"This episode is already {episode.status}.", 409)
    now = utcnow()
    values = {"held_at": None}
    if status == "voided":
        values["voided_at"] = sa.func.coalesce(Vote.voided_at, now)
    changed = db.session.execute(
        sa.update(Vote)
        .where(Vote.hold_episode_id == episode.id, Vote.held_at.is_not(None))
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    episode.status, episode.resolved_at = status, now
    episode.resolved_by_id = moderator.id if moderator else None
    episode.resolution_reason = reason
    action = "release_hold" if status == "released" else "void_hold"
    _log(moderator, action, reason, changed, episode=episode)
    _touch([episode.comparison_id])
    return changed


def check_can_close(moderator: User, episode_id: int) -> None:
    """Before the reason is judged: a closed episode is a 409 whatever the form says."""
    require_moderator(moderator)
    episode = get_episode(episode_id)
    if episode.status != "open":
        raise ActionError(f"This episode is already {episode.status}.", 409)


def release_episode(moderator: User, episode_id: int, reason: str) -> int:
    check_can_close(moderator, episode_id)
    changed = _close_episode(moderator, episode_id, "released", reason)
    changes.commit()
    return changed


def void_episode(moderator: User, episode_id: int, reason: str) -> int:
    check_can_close(moderator, episode_id)
    changed = _close_episode(moderator, episode_id, "voided", reason)
    changes.commit()
    return changed


def release_cooled_off(now: datetime | None = None) -> int:
    """The cool-off, run by the periodic sweep. In an open episode with no new held vote
    for HOLD_COOL_OFF_HOURS, and none of whose accounts has been held again since, the
    votes of accounts that the detector would no longer find suspicious (trust weight at
    least HOLD_ESTABLISHED: weeks of age and separate active days) are released; the others
    stay held until their accounts get there or a moderator acts. An episode with nothing
    left held is closed as released. Returns how many votes it released."""
    now = now or utcnow()
    cutoff = now - timedelta(hours=current_app.config["HOLD_COOL_OFF_HOURS"])
    later = aliased(Vote)
    mine = aliased(Vote)
    held_again = (
        sa.select(later.id)
        .join(mine, mine.user_id == later.user_id)
        .where(
            mine.hold_episode_id == HoldEpisode.id,
            later.hold_episode_id != HoldEpisode.id,
            later.held_at > HoldEpisode.opened_at,
        )
        .exists()
    )
    due = list(
        db.session.scalars(
            sa.select(HoldEpisode.id).where(
                HoldEpisode.status == "open", HoldEpisode.last_held_at < cutoff, ~held_again
            )
        )
    )
    rules = TrustRules.from_config(current_app.config)
    dialect = db.session.get_bind().dialect.name
    # The detector's own bar, not the verdict's (lower) one: an aged sleeper account is
    # established for the verdict yet still suspicious, and must not walk out by waiting.
    bar = current_app.config["HOLD_ESTABLISHED"]
    grown = sa.select(User.id).where(trust_weight_sql(dialect, now, rules) >= bar)
    released = 0
    for episode_id in due:
        episode = _lock_episode(episode_id)
        if episode.status != "open":
            continue  # a moderator closed it meanwhile
        changed = db.session.execute(
            sa.update(Vote)
            .where(
                Vote.hold_episode_id == episode.id,
                Vote.held_at.is_not(None),
                Vote.user_id.in_(grown),
            )
            .values(held_at=None)
            .execution_options(synchronize_session=False)
        ).rowcount
        still_held = db.session.scalar(
            sa.select(sa.func.count()).where(
                Vote.hold_episode_id == episode.id, Vote.held_at.is_not(None)
            )
        )
        if changed or not still_held:
            reason = "Cool-off passed; these accounts have since reached the detector's trust bar."
            _log(None, "release_hold", reason, changed, episode=episode)
            _touch([episode.comparison_id])
        if not still_held:
            episode.status, episode.resolved_at = "released", now
            episode.resolved_by_id, episode.resolution_reason = None, "Cool-off passed."
        released += changed
    changes.commit()
    return released


def void_account_votes(moderator: User, target: User, reason: str) -> int:
    """Void an account's votes: every vote and rating of it counts 0 (kept for audit),
    including votes it casts later, until a moderator restores them. Returns how many
    stored votes it voided."""
    require_moderator(moderator)
    if target.has_role("moderator") and moderator.role != "admin":
        raise ActionError("Only an admin can void a moderator's votes.", 403)
    if target.votes_voided_at is not None:
        raise ActionError("This account's votes are already voided.", 409)
    now = utcnow()
    target.votes_voided_at = now
    changed = db.session.execute(
        sa.update(Vote)
        .where(Vote.user_id == target.id, Vote.voided_at.is_(None))
        # held_at stays: restoring the account puts a held vote back on hold, not live.
        .values(voided_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    _log(moderator, "void_votes", reason, changed, target)
    _touch(_comparisons_of_account(target.id))
    changes.commit()
    return changed


def restore_account_votes(moderator: User, target: User, reason: str) -> int:
    """Undo void_account_votes. Votes voided with a hold episode stay voided; held votes
    are held again (the void left their hold in place)."""
    require_moderator(moderator)
    if target.votes_voided_at is None:
        raise ActionError("This account's votes are not voided.", 409)
    changed = db.session.execute(
        sa.update(Vote)
        .where(
            Vote.user_id == target.id,
            Vote.voided_at >= target.votes_voided_at,
            ~sa.exists().where(
                HoldEpisode.id == Vote.hold_episode_id, HoldEpisode.status == "voided"
            ),
        )
        .values(voided_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    target.votes_voided_at = None
    _log(moderator, "restore_votes", reason, changed, target)
    _touch(_comparisons_of_account(target.id))
    changes.commit()
    return changed


def can_suspend(moderator: User, target: User) -> bool:
    return (
        moderator.is_authenticated
        and moderator.has_role("moderator")
        and moderator.id != target.id
        and (not target.has_role("moderator") or moderator.role == "admin")
    )


def check_can_suspend(moderator: User, target: User, refusal="You can't suspend this account."):
    if not can_suspend(moderator, target):
        raise ActionError(refusal, 403)


def do_suspend(moderator: User, target: User, reason: str = "") -> None:
    """Suspend an account: it cannot sign in, and its votes and ratings leave every
    verdict at the next recompute, which is asked for now."""
    check_can_suspend(moderator, target)
    if target.suspended_at is not None:
        raise ActionError(f"{target.username} is already suspended.", 409)
    target.suspended_at = utcnow()
    _log(moderator, "suspend", reason, 0, target)
    _touch(_comparisons_of_account(target.id))
    changes.commit()


def do_unsuspend(moderator: User, target: User, reason: str = "") -> None:
    """Lift a suspension. The session token rotates, so cookies saved before the
    suspension stay dead: the member signs in again."""
    check_can_suspend(moderator, target, "You can't change this account.")
    if target.suspended_at is None:
        raise ActionError(f"{target.username} is not suspended.", 409)
    target.suspended_at = None
    target.session_token = new_session_token()
    _log(moderator, "unsuspend", reason, 0, target)
    _touch(_comparisons_of_account(target.id))
    changes.commit()


# --- the review queue ---------------------------------------------------------------


def open_episodes() -> sa.Select:
    return (
        sa.select(HoldEpisode)
        .where(HoldEpisode.status == "open")
        .order_by(HoldEpisode.opened_at.desc(), HoldEpisode.id.desc())
        .options(selectinload(HoldEpisode.comparison).selectinload(Comparison.options))
    )


def episode_detail(episode: HoldEpisode) -> dict:
    """What a moderator weighs: a timeline of the held votes, their networks (as
    prefixes) and account ages, and the options they pushed."""
    return episode_details([episode])[episode.id]


def episode_details(episodes: list[HoldEpisode]) -> dict[int, dict]:
    """``episode_detail`` for a page of episodes in one query (the queue's cost must not
    grow with its length)."""
    rows = db.session.execute(
        sa.select(
            Vote.hold_episode_id,
            Vote.updated_at,
            Vote.option_id,
            Vote.source_prefix,
            Vote.held_at,
            Vote.voided_at,
            User.username,
            User.created_at,
            User.signup_prefix,
        )
        .join(User, User.id == Vote.user_id)
        .where(Vote.hold_episode_id.in_([e.id for e in episodes]))
        .order_by(Vote.updated_at, Vote.id)
    ).all()
    by_episode: dict[int, list] = {e.id: [] for e in episodes}
    for row in rows:
        by_episode[row[0]].append(row[1:])
    now = utcnow()
    return {
        e.id: _detail(by_episode[e.id], {o.id: o.name for o in e.comparison.options}, now)
        for e in episodes
    }


def _detail(rows, names: dict[int, str], now: datetime) -> dict:
    votes, prefixes, timeline = [], {}, {}
    for at, option, prefix, held, voided, username, created, signup in rows:
        at = as_utc(at)
        net = prefix or signup or "unknown"
        prefixes[net] = prefixes.get(net, 0) + 1
        bucket = at.replace(minute=(at.minute // 10) * 10, second=0, microsecond=0)
        timeline[bucket] = timeline.get(bucket, 0) + 1
        votes.append(
            {
                "at": at,
                "option": names.get(option, "?"),
                "network": net,
                "username": username,
                "account_age_days": (now - as_utc(created)).total_seconds() / 86400.0,
                "registered_at": as_utc(created),
                "state": "voided" if voided else ("held" if held else "released"),
            }
        )
    return {
        "votes": votes,
        "prefixes": sorted(prefixes.items(), key=lambda item: -item[1]),
        "timeline": sorted(timeline.items()),
        "peak": max(timeline.values(), default=0),
    }


def recent_actions(limit: int = 20) -> list[ModerationAction]:
    return list(
        db.session.scalars(
            sa.select(ModerationAction)
            .order_by(ModerationAction.created_at.desc(), ModerationAction.id.desc())
            .limit(limit)
            .options(
                selectinload(ModerationAction.actor),
                selectinload(ModerationAction.target_user),
            )
        )
    )
