"""Discussion pages and the posting endpoints. Thin: read the form, call a service,
redirect with a flash (or answer JSON)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..catalog.services import require_published
from ..core.errors import wants_json
from ..core.inputs import whole_id
from ..core.limits import per_account
from ..core.pagination import paginate
from ..extensions import limiter
from . import permissions, services
from .models import FLAG_REASONS

bp = Blueprint("discussions", __name__)


def post_limit() -> str:
    return current_app.config["POST_RATE_LIMIT"]


def _thread(thread_id: int):
    thread = services.get_thread(thread_id)
    if thread is None:
        abort(404, description="No discussion thread at this address.")
    return thread


def _post(post_id: int):
    post = services.get_post(post_id)
    if post is None:
        abort(404, description="No post at this address.")
    return post


def post_url(post) -> str:
    return url_for("discussions.thread", thread_id=post.thread_id) + f"#post-{post.id}"


def _done(post, message: str):
    if wants_json():
        return {"message": message, "post": post.id, "url": post_url(post)}
    flash(message, "success")
    return redirect(post_url(post))


@bp.get("/compare/<slug:slug>/discussion")
def comparison_threads(slug: str):
    comparison = require_published(slug)
    threads = paginate(services.threads_of(comparison))
    return render_template(
        "discussions/comparison_threads.html", comparison=comparison, threads=threads
    )


@bp.post("/compare/<slug:slug>/discussion")
@login_required
@limiter.limit(post_limit, key_func=per_account)
def new_thread(slug: str):
    comparison = require_published(slug)
    post = services.do_open_general_thread(
        current_user, comparison, request.form.get("title"), request.form.get("body")
    )
    return _done(post, "Your thread is open.")


@bp.post("/compare/<slug:slug>/disagree")
@login_required
@limiter.limit(post_limit, key_func=per_account)
def disagree(slug: str):
    comparison = require_published(slug)
    post = services.do_disagree(current_user, comparison, request.form.get("body"))
    return _done(post, "Thanks: your disagreement is posted.")


@bp.get("/threads/<int:thread_id>")
def thread(thread_id: int):
    thread = _thread(thread_id)
    posts = paginate(services.top_level_posts(thread), "POSTS_PER_PAGE")
    quote = _quote(thread, whole_id(request.args.get("quote")))
    return render_template(
        "discussions/thread.html",
        thread=thread,
        comparison=thread.comparison,
        posts=posts,
        replies=services.replies_to(posts.items),
        quote=quote,
        can=permissions,
        flag_reasons=FLAG_REASONS,
    )


def _quote(thread, post_id: int | None) -> str:
    """Reply text pre-filled with a quote of another post (works without JavaScript)."""
    if post_id is None:
        return ""
    post = services.get_post(post_id)
    if post is None or post.thread_id != thread.id or post.deleted_at or post.hidden_at:
        return ""
    author = post.author.username if post.author else "Crowdpick"
    quoted = "\n".join("> " + line for line in post.body.splitlines())
    return f"{author} wrote:\n{quoted}\n\n"


@bp.post("/threads/<int:thread_id>/posts")
@login_required
@limiter.limit(post_limit, key_func=per_account)
def reply(thread_id: int):
    thread = _thread(thread_id)
    post = services.do_post(
        current_user, thread, request.form.get("body"), parent_id=request.form.get("parent_id")
    )
    return _done(post, "Your post is up.")


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(post_id: int):
    post = _post(post_id)
    if request.method == "POST":
        services.do_edit(current_user, post, request.form.get("body"))
        return _done(post, "Your post is updated.")
    if not permissions.can_edit(current_user, post):
        abort(403, description="You can edit only your own posts, and only for a while.")
    return render_template(
        "discussions/edit.html", post=post, thread=post.thread, comparison=post.thread.comparison
    )


@bp.post("/posts/<int:post_id>/delete")
@login_required
def delete(post_id: int):
    post = _post(post_id)
    services.do_delete(current_user, post)
    return _done(post, "Your post is deleted.")


@bp.get("/disagreements")
def disagreements():
    threads = paginate(services.open_disagreements())
    return render_template("discussions/disagreements.html", threads=threads)
