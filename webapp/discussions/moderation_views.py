"""Moderator and editor endpoints: flags, hide/unhide, lock/unlock, resolve."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..core.actions import ActionError
from ..core.errors import wants_json
from ..core.forms import refusal
from ..core.pagination import paginate
from ..integrity.forms import ReasonForm
from . import moderation, permissions
from .forms import FlagForm, ResolveForm
from .lookups import post_or_404, post_url, thread_or_404
from .pages import refused_post, thread_page

bp = Blueprint("moderation", __name__)


def _back(message: str, target: str):
    flash(message, "success")
    return redirect(target)


@bp.post("/posts/<int:post_id>/flag")
@login_required
def flag(post_id: int):
    post = post_or_404(post_id)
    form = FlagForm()
    try:
        if not form.validate():
            moderation.check_can_flag(current_user, post)  # a refusal outranks a bad field
            raise refusal(form)
        moderation.do_flag(current_user, post, form.reason.data, form.note.data)
    except ActionError as error:
        # the thread page again, this post's flag form open with the reason and note kept
        refused = refused_post(error, form, fields=("note", "reason"))
        flagging = {"post_id": post.id, **refused}
        return thread_page(post.thread, status=refused["status"], flagging=flagging)
    return _back("Thanks, a moderator will look at it.", post_url(post))


def _reason(thread, action: str, check):
    """The moderator's reason, or the thread page again with this action's reason field
    open, the message by it and the typed text kept (the refusal of the person first)."""
    form = ReasonForm()
    if form.validate():
        return form.reason.data, None
    check()
    typed = (form.reason.raw_data or [""])[0]
    if wants_json():
        raise refusal(form)
    error = " ".join(form.reason.errors)
    moderating = {"action": action, "error": error, "typed": typed}
    return None, thread_page(thread, status=422, moderating=moderating)


@bp.post("/posts/<int:post_id>/hide")
@login_required
def hide(post_id: int):
    post = post_or_404(post_id)
    reason, refused = _reason(
        post.thread, f"hide-{post.id}", lambda: moderation.check_can_hide(current_user, post)
    )
    if refused:
        return refused
    moderation.do_hide(current_user, post, reason)
    from_queue = request.form.get("back") == "queue"
    return _back("Post hidden.", url_for("moderation.flags") if from_queue else post_url(post))


@bp.post("/posts/<int:post_id>/unhide")
@login_required
def unhide(post_id: int):
    post = post_or_404(post_id)
    reason, refused = _reason(
        post.thread,
        f"hide-{post.id}",
        lambda: moderation.check_can_hide(current_user, post, unhide=True),
    )
    if refused:
        return refused
    moderation.do_unhide(current_user, post, reason)
    return _back("Post visible again.", post_url(post))


@bp.post("/posts/<int:post_id>/dismiss-flags")
@login_required
def dismiss(post_id: int):
    post = post_or_404(post_id)
    moderation.do_dismiss_flags(current_user, post)
    return _back("Flags dismissed.", url_for("moderation.flags"))


@bp.get("/moderation/flags")
@login_required
def flags():
    if not permissions.is_moderator(current_user):
        abort(403, description="The flag queue is for moderators.")
    queue = paginate(moderation.flag_queue(), "POSTS_PER_PAGE")
    return render_template("discussions/flags.html", queue=queue)


@bp.post("/threads/<int:thread_id>/lock")
@login_required
def lock(thread_id: int):
    thread = thread_or_404(thread_id)
    reason, refused = _reason(
        thread, "lock", lambda: moderation.check_can_lock(current_user, thread)
    )
    if refused:
        return refused
    moderation.do_lock(current_user, thread, reason)
    return _back("Thread locked.", url_for("discussions.thread", thread_id=thread.id))


@bp.post("/threads/<int:thread_id>/unlock")
@login_required
def unlock(thread_id: int):
    thread = thread_or_404(thread_id)
    reason, refused = _reason(
        thread, "lock", lambda: moderation.check_can_lock(current_user, thread, unlock=True)
    )
    if refused:
        return refused
    moderation.do_unlock(current_user, thread, reason)
    return _back("Thread unlocked.", url_for("discussions.thread", thread_id=thread.id))


@bp.post("/threads/<int:thread_id>/resolve")
@login_required
def resolve(thread_id: int):
    thread = thread_or_404(thread_id)
    form = ResolveForm()
    try:
        if not form.validate():
            moderation.check_can_resolve(current_user, thread)
            raise refusal(form)
        change = moderation.do_resolve(
            current_user, thread, form.conclusion.data, form.new_pick.data
        )
    except ActionError as error:
        # the thread page again, the resolve form open with the conclusion and pick kept
        refused = refused_post(error, form, fields=("conclusion", "new_pick"))
        return thread_page(thread, status=refused["status"], resolving=refused)
    message = "Disagreement resolved."
    if change is not None:
        message += " The editorial pick is changed."
    return _back(message, url_for("discussions.thread", thread_id=thread.id))
