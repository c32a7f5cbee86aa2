"""The editor area at /editor/: editors and admins only. Thin: read the form, call a
service, render or redirect."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from ..catalog import revisions
from ..catalog import tags as tag_services
from ..catalog.services import clean_text, get_tag
from ..core.actions import ActionError
from ..core.inputs import whole_id
from ..core.pagination import paginate
from ..extensions import login_manager
from . import content as content_services
from . import drafts, services
from .forms import ComparisonForm, NewComparisonForm, StatusForm, UploadForm, form_for
from .plan import MAX_OPTIONS, apply_op, blank_option
from .preview import preview_context

bp = Blueprint("editor", __name__, url_prefix="/editor")


@bp.before_request
def editors_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.has_role("editor"):
        abort(403, description="The editor area is for editors and admins.")
    return None


def _comparison_or_404(comparison_id: int):
    found = content_services.load(comparison_id)
    if found is None:
        abort(404, description="No comparison with this number.")
    return found


@bp.get("/")
def index():
    status = request.args.get("status", "published")
    if status not in services.STATUSES:
        status = "published"
    query = clean_text(request.args.get("q", "")).strip()[:200]
    return render_template(
        "editor/index.html",
        status=status,
        statuses=services.STATUSES,
        counts=services.status_counts(),
        query=query,
        pagination=paginate(services.comparisons(status, query)),
        attention=services.needs_attention(),
    )


# --- a new comparison: written in the form, or from a page file --------------------


def _tag_names() -> list[str]:
    return [tag.name for tag, _ in tag_services.usage()]


def _render_new(form, status=200, **extra):
    page = render_template(
        "editor/new.html", form=form, max_options=MAX_OPTIONS, tag_names=_tag_names(), **extra
    )
    return page, status


@bp.get("/new")
def new():
    content = {
        "title": "",
        "intro": "",
        "pick": None,
        "summary": "",
        "bottom_line": "",
        "options": [blank_option(), blank_option()],
    }
    return _render_new(form_for(content, 0, "", form_class=NewComparisonForm))


@bp.post("/new")
def create():
    form = NewComparisonForm()
    op = form.op.data or "save"
    if op != "save":
        try:
            changed, note = apply_op(form.content(), op)
        except ActionError as error:
            return _render_new(form, error.status, form_error=error.message)
        shown = form_for(changed, 0, "", form.message.data, form_class=NewComparisonForm)
        return _render_new(shown, note=note)
    if not form.validate():
        return _render_new(form, 422, form_error=_hidden_problem(form))
    try:
        comparison = drafts.do_create(current_user, form.content(), form.message.data)
    except ActionError as error:
        if error.field is None:
            return _render_new(form, error.status, form_error=error.message)
        field = _field(form, error.field)
        field.errors = [*field.errors, error.message]
        return _render_new(form, error.status, form_error=error.message, error_field=field.id)
    flash(f"“{comparison.title}” is saved as a draft (revision 1).", "success")
    return redirect(url_for("editor.edit", comparison_id=comparison.id))


@bp.get("/upload")
def upload_form():
    return render_template("editor/upload.html", form=UploadForm(), max_bytes=_max_bytes())


def _max_bytes() -> int:
    return current_app.config["IMPORT_MAX_BYTES"]


@bp.post("/upload")
def upload():
    form = UploadForm()
    file = form.page_file.data
    if file is None or not getattr(file, "filename", ""):
        form.page_file.errors = ["Choose a page file (.txt) to upload."]
        return render_template("editor/upload.html", form=form, max_bytes=_max_bytes()), 422
    # One byte past the limit is enough to know it is too big.
    data = file.stream.read(_max_bytes() + 1)
    try:
        done = drafts.do_create_from_upload(current_user, file.filename, data, _max_bytes())
    except ActionError as error:
        form.page_file.errors = [error.message]
        page = render_template("editor/upload.html", form=form, max_bytes=_max_bytes())
        return page, error.status
    missing = f" The page lacked: {', '.join(done.missing)}." if done.missing else ""
    flash(f"“{done.comparison.title}” is a new draft: review it below.{missing}", "success")
    return redirect(url_for("editor.edit", comparison_id=done.comparison.id))


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(error):
    """A file over the site's request limit is refused before the view runs: answer on
    the upload page (the form cannot be read, so it starts empty), not a bare error page."""
    if request.endpoint != "editor.upload":
        return error
    form = UploadForm(formdata=None)
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    form.page_file.errors = [
        f"the file is more than this site takes in one request ({limit:,} bytes); "
        f"a page file may have at most {_max_bytes():,} bytes."
    ]
    return render_template("editor/upload.html", form=form, max_bytes=_max_bytes()), 413


@bp.get("/<int:comparison_id>/preview")
def preview(comparison_id: int):
    comparison = _comparison_or_404(comparison_id)
    return render_template("editor/preview.html", **preview_context(comparison))


# --- tags: suggestions and merging near-duplicates ----------------------------------


@bp.get("/tags.json")
def tag_suggestions():
    typed = clean_text(request.args.get("q", "")).strip()[:100]
    rows = tag_services.suggestions(typed)
    return jsonify([{"slug": t.slug, "name": t.name, "comparisons": n} for t, n in rows])


@bp.get("/tags")
def tags():
    return _render_tags()


def _render_tags(status=200, error=None):
    page = render_template(
        "editor/tags.html",
        groups=tag_services.near_duplicates(),
        usage=tag_services.usage(),
        error=error,
    )
    return page, status


@bp.post("/tags/merge")
def merge_tags():
    keep = get_tag(clean_text(request.form.get("keep", "")).strip()[:100])
    names = [clean_text(n).strip()[:100] for n in request.form.getlist("merge")]
    merged = [get_tag(n) for n in dict.fromkeys(n for n in names if n)]
    if keep is None or None in merged:
        return _render_tags(422, "Choose tags that exist: one to keep, and the ones to merge.")
    try:
        moved = tag_services.do_merge_tags(keep, merged, current_user)
    except ActionError as error:
        return _render_tags(error.status, error.message)
    old = ", ".join(f"#{slug}" for slug in names)
    flash(
        f"Merged {old} into #{keep.slug}: {moved} comparison{'' if moved == 1 else 's'} "
        "moved, and the old tag pages redirect.",
        "success",
    )
    return redirect(url_for("editor.tags"))


# --- editing an existing comparison ---------------------------------------------------


def _render_edit(comparison, form, status=200, **extra):
    options = [e.form for e in form.options]
    picks = [(o.id.data, o.name.data or "(new option)") for o in options if o.id.data]
    return (
        render_template(
            "editor/edit.html",
            comparison=comparison,
            form=form,
            picks=picks,
            max_options=MAX_OPTIONS,
            latest=revisions.latest_number(comparison.id),
            tag_names=_tag_names(),
            **extra,
        ),
        status,
    )


@bp.get("/<int:comparison_id>/edit")
def edit(comparison_id: int):
    comparison = _comparison_or_404(comparison_id)
    now = revisions.snapshot(comparison)
    form = form_for(now, revisions.latest_number(comparison.id), revisions.digest(now))
    return _render_edit(comparison, form)


@bp.post("/<int:comparison_id>/edit")
def save(comparison_id: int):
    comparison = _comparison_or_404(comparison_id)
    form = ComparisonForm()
    op = form.op.data or "save"
    if op != "save":
        # A structural button: show the changed form, write nothing yet.
        try:
            changed, note = apply_op(form.content(), op)
        except ActionError as error:
            return _render_edit(comparison, form, error.status, form_error=error.message)
        shown = form_for(changed, form.revision.data or 0, form.digest.data, form.message.data)
        return _render_edit(comparison, shown, note=note)
    if not form.validate():
        return _render_edit(comparison, form, 422, form_error=_hidden_problem(form))
    try:
        saved = content_services.do_save(
            current_user,
            comparison,
            form.content(),
            form.revision.data,
            form.digest.data,
            form.message.data,
            form.confirm.data,
        )
    except content_services.Conflict as conflict:
        # The typed text stays; saving it again (having read the changes) goes over them.
        form.revision.data = conflict.latest
        form.digest.data = revisions.digest(revisions.snapshot(comparison))
        return _render_edit(comparison, form, 409, conflict=conflict)
    except content_services.NeedsConfirmation as question:
        return _render_edit(comparison, form, 409, removal=question.removal)
    except ActionError as error:
        if error.field is None:
            return _render_edit(comparison, form, error.status, form_error=error.message)
        field = _field(form, error.field)
        field.errors = [*field.errors, error.message]
        return _render_edit(
            comparison, form, error.status, form_error=error.message, error_field=field.id
        )
    flash(f"Saved as revision {saved.number}.", "success")
    return redirect(url_for("editor.edit", comparison_id=comparison.id))


def _hidden_problem(form) -> str | None:
    """A message for the page's top when a hidden field (the revision the form started
    from) was refused: it has no visible place to say so next to itself."""
    if form.revision.errors:
        return "The form's revision number was altered or damaged: reload the page."
    return None


def _field(form, name: str):
    """The (nested) field a service named: "options-1-name" is form.options[1]["name"]."""
    node = form
    for part in name.split("-"):
        node = node[int(part)] if part.isdigit() else node[part]
    return node


@bp.post("/<int:comparison_id>/status")
def set_status(comparison_id: int):
    comparison = _comparison_or_404(comparison_id)
    status_form = StatusForm()
    if not status_form.validate():
        # The edit page again, the reason kept and its message beside it.
        now = revisions.snapshot(comparison)
        form = form_for(now, revisions.latest_number(comparison.id), revisions.digest(now))
        return _render_edit(comparison, form, 422, status_form=status_form)
    status = services.do_set_status(
        current_user, comparison, status_form.action.data or "", status_form.reason.data or ""
    )
    flash(f"“{comparison.title}” is {status}.", "success")
    return redirect(url_for("editor.edit", comparison_id=comparison.id))


@bp.get("/<int:comparison_id>/history")
def history(comparison_id: int):
    comparison = _comparison_or_404(comparison_id)
    return _render_history(comparison, request.args.get("a"), request.args.get("b"))


def _render_history(comparison, a=None, b=None, status=200, error=None):
    rows = revisions.revisions_of(comparison.id)
    numbers = {r.number: r for r in rows}
    newest = rows[0].number if rows else 0
    new = whole_id(b) or newest
    old = whole_id(a) or max(new - 1, 1)
    if rows and (old not in numbers or new not in numbers):
        abort(404, description="This comparison has no such revision.")
    changes = []
    if rows and old != new:
        changes = revisions.diff(
            numbers[old].snapshot, numbers[new].snapshot, f"revision {old}", f"revision {new}"
        )
    now = revisions.snapshot(comparison)
    page = render_template(
        "editor/history.html",
        comparison=comparison,
        rows=rows,
        old=old,
        new=new,
        changes=changes,
        latest=newest,
        digest=revisions.digest(now),
        error=error,
    )
    return page, status


@bp.post("/<int:comparison_id>/revisions/<int:number>/restore")
def restore(comparison_id: int, number: int):
    comparison = _comparison_or_404(comparison_id)
    revision = whole_id(request.form.get("revision"))
    digest = request.form.get("digest", "")
    try:
        saved = content_services.do_restore(
            current_user, comparison, number, revision, digest, request.form.get("confirm", "")
        )
    except content_services.Conflict:
        # The history as it is now, with the reason on top: a bare error page would lose
        # the list the editor needs to read again.
        message = (
            "Someone saved this comparison after you opened its history: read the history "
            "again, then restore. The newest change is shown below."
        )
        return _render_history(comparison, status=409, error=message)
    except content_services.NeedsConfirmation as question:
        return render_template(
            "editor/confirm_restore.html",
            comparison=comparison,
            number=number,
            removal=question.removal,
            revision=revision,
            digest=digest,
        ), 409
    except ActionError as error:
        return _render_history(comparison, status=error.status, error=error.message)
    flash(f"Revision {number} is restored as revision {saved.number}.", "success")
    return redirect(url_for("editor.history", comparison_id=comparison.id))
