"""Discussion pages and the posting endpoints. Thin: read the form, call a service,
redirect with a flash (or answer JSON). A refused browser post shows the form's page
again, with the same status, the message by the field and the typed text kept; a
"Preview" press (``name=preview``) shows it again with the rendered post above the text,
after the same checks, writing nothing."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request
from flask_login import current_user, login_required

from ..catalog.services import require_published
from ..core.actions import ActionError
from ..core.errors import wants_json
from ..core.forms import refusal, validated
from ..core.inputs import MAX_ID, whole_id
from ..core.limits import per_account
from ..core.pagination import paginate
from ..extensions import limiter
from . import services
from .forms import TITLE_MAX, PostForm, ThreadForm
from .lookups import post_or_404, post_url, thread_or_404
from .pages import previewed, previewing, refused_post, thread_page

bp = Blueprint("discussions", __name__)


def post_limit() -> str:
    return current_app.config["POST_RATE_LIMIT"]


def posted(response) -> bool:
    """Only posts that were written count against the limit: a refused one (empty, too
    long, a locked thread) or a preview costs the author nothing, so fixing a typo is
    never a 429."""
    return response.status_code < 400 and not previewing()


@bp.app_template_global()
def pinned_conclusion(comparison):
    """The editors' latest conclusion of a disagreement, for the comparison page's
    discussion section (templates/discussions/_comparison_discussion.html)."""
    return services.latest_conclusion(comparison.id)


def _preview(form, html: str) -> dict:
    if wants_json():
        return {"preview": html}
    return previewed(form, html)


def _done(post, message: str):
    if wants_json():
        return {"message": message, "post": post.id, "url": post_url(post)}
    flash(message, "success")
    return redirect(post_url(post))


@bp.get("/compare/<slug:slug>/discussion")
def comparison_threads(slug: str):
    return _threads_page(require_published(slug))


def _threads_page(comparison, status: int = 200, **refused):
    threads = paginate(services.threads_of(comparison))
    page = render_template(
        "discussions/comparison_threads.html",
        comparison=comparison,
        threads=threads,
        title_max=TITLE_MAX,
        **refused,
    )
    return page, status


@bp.post("/compare/<slug:slug>/discussion")
@login_required
@limiter.shared_limit(post_limit, scope="posts", key_func=per_account, deduct_when=posted)
def new_thread(slug: str):
    comparison = require_published(slug)
    form = ThreadForm()
    try:
        validated(form)
        if previewing():
            html = services.preview_post(current_user, form.body.data, comparison=comparison)
            shown = _preview(form, html)
            return shown if wants_json() else _threads_page(comparison, **shown)
        post = services.do_open_general_thread(
            current_user, comparison, form.title.data, form.body.data
        )
    except ActionError as error:
        return _threads_page(comparison, **refused_post(error, form))
    return _done(post, "Your thread is open.")


@bp.post("/compare/<slug:slug>/disagree")
@login_required
@limiter.shared_limit(post_limit, scope="posts", key_func=per_account, deduct_when=posted)
def disagree(slug: str):
    comparison = require_published(slug)
    form = PostForm()
    try:
        validated(form)
        if previewing():
            html = services.preview_post(current_user, form.body.data, comparison=comparison)
            shown = _preview(form, html)
            if wants_json():
                return shown
        else:
            post = services.do_disagree(current_user, comparison, form.body.data)
            return _done(post, "Thanks: your disagreement is posted.")
    except ActionError as error:
        shown = refused_post(error, form)
    page = render_template("discussions/disagree.html", comparison=comparison, **shown)
    return page, shown["status"]


@bp.get("/threads/<int:thread_id>")
def thread(thread_id: int):
    thread = thread_or_404(thread_id)
    return thread_page(thread, quote=_quote(thread, whole_id(request.args.get("quote"))))


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
@limiter.shared_limit(post_limit, scope="posts", key_func=per_account, deduct_when=posted)
def reply(thread_id: int):
    thread = thread_or_404(thread_id)
    form = PostForm()
    try:
        if not form.validate():
            services.check_can_post(current_user, thread)  # a closed thread outranks the text
            raise refusal(form)
        if previewing():
            html = services.preview_post(current_user, form.body.data, thread=thread)
            shown = _preview(form, html)
            if wants_json():
                return shown
        else:
            post = services.do_post(
                current_user, thread, form.body.data, parent_id=form.parent_id.data
            )
            return _done(post, "Your post is up.")
    except ActionError as error:
        shown = refused_post(error, form)
    shown["typed"]["parent_id"] = _parent_in(thread, form.parent_id.data)
    return thread_page(thread, **shown)


def _parent_in(thread, post_id: int | None) -> int | None:
    """The post a refused reply answered, when it is in this thread (kept on the form)."""
    post = services.get_post(post_id) if post_id and 0 < post_id <= MAX_ID else None
    return post.id if post is not None and post.thread_id == thread.id else None


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(post_id: int):
    post = post_or_404(post_id)
    services.check_can_edit(current_user, post)
    if request.method == "POST":
        form = PostForm()
        try:
            validated(form)
            if previewing():
                comparison = post.thread.comparison
                html = services.preview_post(current_user, form.body.data, comparison=comparison)
                shown = _preview(form, html)
                return shown if wants_json() else _edit_page(post, **shown)
            services.do_edit(current_user, post, form.body.data)
        except ActionError as error:
            return _edit_page(post, **refused_post(error, form))
        return _done(post, "Your post is updated.")
    return _edit_page(post)


def _edit_page(post, status: int = 200, **refused):
    page = render_template(
        "discussions/edit.html",
        post=post,
        thread=post.thread,
        comparison=post.thread.comparison,
        **refused,
    )
    return page, status


@bp.post("/posts/<int:post_id>/delete")
@login_required
def delete(post_id: int):
    post = post_or_404(post_id)
    services.do_delete(current_user, post)
    return _done(post, "Your post is deleted.")


@bp.get("/disagreements")
def disagreements():
    threads = paginate(services.open_disagreements())
    return render_template("discussions/disagreements.html", threads=threads)
