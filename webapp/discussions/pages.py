"""What the reader and moderator views share to show a page again after a refused or
previewed post: the refusal (or preview) as the page needs it, and the thread page that
holds the reply, flag and resolve forms. (Views import no other views: see .importlinter.)"""

from __future__ import annotations

from flask import render_template, request

from ..core.actions import ActionError
from ..core.errors import wants_json
from ..core.pagination import paginate
from . import permissions, services
from .forms import NOTE_MAX
from .models import FLAG_REASONS
from .stances import stances_of


def refused_post(error: ActionError, form, fields: tuple[str, ...] = ("body", "title")) -> dict:
    """What a page needs to show a refused post again: the message, the field it goes by
    (the one the refusal names among ``fields``, else the first) and the typed values. A
    JSON client, and a refusal of the user (403) or of the thing (404), gets the error
    answer as before."""
    if wants_json() or error.status in (403, 404):
        raise error
    field = error.field if error.field in fields else fields[0]
    return {
        "status": error.status,
        "error": error.message,
        "error_field": field,
        "typed": {f.name: f.data or "" for f in form},
    }


def previewing() -> bool:
    """The form's "Preview" button (``name=preview``) was pressed: show, write nothing."""
    return "preview" in request.form


def previewed(form, html: str) -> dict:
    """What a page needs to show a previewed post: the sanitised HTML above the form and
    the typed values kept in it, like a refusal's but with a 200."""
    return {"status": 200, "preview": html, "typed": {f.name: f.data or "" for f in form}}


def thread_page(thread, quote: str = "", status: int = 200, **refused):
    """The thread page (with a refused form's message and typed values, if any) and its
    status."""
    posts = paginate(services.top_level_posts(thread), "POSTS_PER_PAGE")
    replies = services.replies_to(posts.items)
    shown = list(posts.items) + [r for these in replies.values() for r in these]
    page = render_template(
        "discussions/thread.html",
        thread=thread,
        comparison=thread.comparison,
        posts=posts,
        replies=replies,
        stances=stances_of(thread.comparison, shown),
        archived=permissions.is_archived(thread.comparison),
        quote=quote,
        can=permissions,
        flag_reasons=FLAG_REASONS,
        note_max=NOTE_MAX,
        **refused,
    )
    return page, status
