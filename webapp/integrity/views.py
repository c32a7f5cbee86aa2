"""Moderators' integrity pages: the review queue of held votes (by episode), the
moderation log, and the account actions (suspend, void or restore votes)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..accounts.services import user_by_username
from ..core.actions import ActionError
from ..core.pagination import paginate
from . import services

bp = Blueprint("integrity", __name__)


def _moderators_only() -> None:
    if not current_user.has_role("moderator"):
        abort(403, description="The review queue is for moderators.")


def _member(username: str):
    return user_by_username(username) or abort(404, description="No member by that name.")


def _profile(target):
    return redirect(url_for("accounts.profile", username=target.username))


@bp.get("/moderation/holds")
@login_required
def holds():
    _moderators_only()
    return _queue_page()


def _queue_page(errors: dict | None = None, typed: dict | None = None):
    episodes = paginate(services.open_episodes(), "POSTS_PER_PAGE")
    details = {e.id: services.episode_detail(e) for e in episodes.items}
    return render_template(
        "integrity/holds.html",
        episodes=episodes,
        details=details,
        actions=services.recent_actions(),
        errors=errors or {},
        typed=typed or {},
    )


@bp.get("/moderation/holds/<int:episode_id>")
@login_required
def episode(episode_id: int):
    _moderators_only()
    found = services.get_episode(episode_id)
    return render_template(
        "integrity/episode.html", episode=found, detail=services.episode_detail(found)
    )


def _close(episode_id: int, action, done: str):
    """Release or void; a refused reason comes back next to its field, typed text kept."""
    reason = request.form.get("reason")
    try:
        n = action(current_user, episode_id, reason)
    except ActionError as exc:
        if exc.field != "reason":
            raise
        errors, typed = {episode_id: exc.message}, {episode_id: (reason or "")[:5000]}
        return _queue_page(errors, typed), exc.status
    flash(done.format(n=n, s="" if n == 1 else "s"), "success")
    return redirect(url_for("integrity.holds"))


@bp.post("/moderation/holds/<int:episode_id>/release")
@login_required
def release(episode_id: int):
    return _close(episode_id, services.release_episode, "Released {n} vote{s}: they count again.")


@bp.post("/moderation/holds/<int:episode_id>/void")
@login_required
def void(episode_id: int):
    return _close(
        episode_id, services.void_episode, "Voided {n} vote{s}: kept for audit, counting 0."
    )


@bp.post("/u/<slug:username>/suspend")
@login_required
def suspend(username: str):
    target = _member(username)
    services.do_suspend(current_user, target, request.form.get("reason"))
    flash(f"{target.username} is suspended; their votes no longer count.", "success")
    return _profile(target)


@bp.post("/u/<slug:username>/unsuspend")
@login_required
def unsuspend(username: str):
    target = _member(username)
    services.do_unsuspend(current_user, target, request.form.get("reason"))
    flash(f"{target.username} is active again and must sign in anew.", "success")
    return _profile(target)


@bp.post("/u/<slug:username>/votes/void")
@login_required
def void_votes(username: str):
    target = _member(username)
    n = services.void_account_votes(current_user, target, request.form.get("reason"))
    flash(f"Voided {n} vote{'s' if n != 1 else ''} of {target.username}.", "success")
    return _profile(target)


@bp.post("/u/<slug:username>/votes/restore")
@login_required
def restore_votes(username: str):
    target = _member(username)
    n = services.restore_account_votes(current_user, target, request.form.get("reason"))
    flash(f"Restored {n} vote{'s' if n != 1 else ''} of {target.username}.", "success")
    return _profile(target)
