"""The editor area at /editor/: editors and admins only. Thin: read the form, call a
service, render or redirect."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..catalog import revisions
from ..catalog.services import clean_text
from ..core.actions import ActionError
from ..core.inputs import whole_id
from ..core.pagination import paginate
from ..extensions import login_manager
from . import content as content_services
from . import services
from .forms import ComparisonForm, form_for
from .plan import MAX_OPTIONS, apply_op

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
        return _render_edit(comparison, form, 422)
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


def _field(form, name: str):
    """The (nested) field a service named: "options-1-name" is form.options[1]["name"]."""
    node = form
    for part in name.split("-"):
        node = node[int(part)] if part.isdigit() else node[part]
    return node


@bp.post("/<int:comparison_id>/status")
def set_status(comparison_id: int):
    comparison = _comparison_or_404(comparison_id)
    status = services.do_set_status(current_user, comparison, request.form.get("action", ""))
    flash(f"“{comparison.title}” is {status}.", "success")
    return redirect(url_for("editor.edit", comparison_id=comparison.id))


@bp.get("/<int:comparison_id>/history")
def history(comparison_id: int):
    comparison = _comparison_or_404(comparison_id)
    rows = revisions.revisions_of(comparison.id)
    numbers = {r.number: r for r in rows}
    newest = rows[0].number if rows else 0
    new = whole_id(request.args.get("b")) or newest
    old = whole_id(request.args.get("a")) or max(new - 1, 1)
    if rows and (old not in numbers or new not in numbers):
        abort(404, description="This comparison has no such revision.")
    changes = []
    if rows and old != new:
        changes = revisions.diff(
            numbers[old].snapshot, numbers[new].snapshot, f"revision {old}", f"revision {new}"
        )
    now = revisions.snapshot(comparison)
    return render_template(
        "editor/history.html",
        comparison=comparison,
        rows=rows,
        old=old,
        new=new,
        changes=changes,
        latest=newest,
        digest=revisions.digest(now),
    )


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
        abort(
            409,
            description="Someone saved this comparison after you opened its history: "
            "read the history again, then restore.",
        )
    except content_services.NeedsConfirmation as question:
        return render_template(
            "editor/confirm_restore.html",
            comparison=comparison,
            number=number,
            removal=question.removal,
            revision=revision,
            digest=digest,
        ), 409
    flash(f"Revision {number} is restored as revision {saved.number}.", "success")
    return redirect(url_for("editor.history", comparison_id=comparison.id))
