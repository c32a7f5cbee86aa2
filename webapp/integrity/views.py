"""Moderators' integrity pages: the review queue of held votes (by episode), the
moderation log, and the account actions (suspend, void or restore votes)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from ..accounts.models import User
from ..core.forms import refusal
from ..core.pagination import paginate
from ..extensions import db
from . import services
from .forms import ReasonForm
from .models import REASON_MAX, HoldEpisode

bp = Blueprint("integrity", __name__)


def _moderators_only() -> None:
    if not current_user.has_role("moderator"):
        abort(403, description="The review queue is for moderators.")


def _member(username: str) -> User:
    return db.first_or_404(
        sa.select(User).where(User.username_key == username.casefold()),
        description="No member by that name.",
    )


def _profile(target):
    return redirect(url_for("pages.profile", username=target.username))


def _reason(form, check) -> str:
    """The form's reason; refusals of the person or the target (``check``) come before a
    bad reason, as the service would give them."""
    if not form.validate():
        check()
        raise refusal(form)
    return form.reason.data


@bp.get("/moderation/holds")
@login_required
def holds():
    _moderators_only()
    return _queue_page()


def _queue_page(episode_id: int | None = None, form: ReasonForm | None = None):
    """The queue; ``form``: the refused reason form of ``episode_id``, shown on its card."""
    episodes = paginate(services.open_episodes(), "POSTS_PER_PAGE")
    details = services.episode_details(episodes.items)
    errors, typed = {}, {}
    if form is not None:
        errors[episode_id] = " ".join(form.reason.errors)
        typed[episode_id] = (form.reason.raw_data or [""])[0]
    return render_template(
        "integrity/holds.html",
        episodes=episodes,
        details=details,
        actions=services.recent_actions(),
        errors=errors,
        typed=typed,
        reason_max=REASON_MAX,
    )


@bp.get("/moderation/holds/<int:episode_id>")
@login_required
def episode(episode_id: int):
    _moderators_only()
    found = db.get_or_404(HoldEpisode, episode_id, description="No hold episode with that number.")
    return render_template(
        "integrity/episode.html",
        episode=found,
        detail=services.episode_detail(found),
        reason_max=REASON_MAX,
    )


def _close(episode_id: int, action, done: str):
    """Release or void; a refused reason comes back next to its field, typed text kept."""
    form = ReasonForm()
    if not form.validate():
        services.check_can_close(current_user, episode_id)
        return _queue_page(episode_id, form), 422
    n = action(current_user, episode_id, form.reason.data)
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
    reason = _reason(ReasonForm(), lambda: services.check_can_suspend(current_user, target))
    services.do_suspend(current_user, target, reason)
    flash(f"{target.username} is suspended; their votes no longer count.", "success")
    return _profile(target)


@bp.post("/u/<slug:username>/unsuspend")
@login_required
def unsuspend(username: str):
    target = _member(username)
    reason = _reason(
        ReasonForm(),
        lambda: services.check_can_suspend(current_user, target, "You can't change this account."),
    )
    services.do_unsuspend(current_user, target, reason)
    flash(f"{target.username} is active again and must sign in anew.", "success")
    return _profile(target)


@bp.post("/u/<slug:username>/votes/void")
@login_required
def void_votes(username: str):
    target = _member(username)
    reason = _reason(ReasonForm(), lambda: services.require_moderator(current_user))
    n = services.void_account_votes(current_user, target, reason)
    flash(f"Voided {n} vote{'s' if n != 1 else ''} of {target.username}.", "success")
    return _profile(target)


@bp.post("/u/<slug:username>/votes/restore")
@login_required
def restore_votes(username: str):
    target = _member(username)
    reason = _reason(ReasonForm(), lambda: services.require_moderator(current_user))
    n = services.restore_account_votes(current_user, target, reason)
    flash(f"Restored {n} vote{'s' if n != 1 else ''} of {target.username}.", "success")
    return _profile(target)
