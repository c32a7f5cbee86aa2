"""Editors' writes with a token (scope ``edit``): create a draft, read and save its
content (optimistic locking, as in the editor's form), publish. The editor's own
services do the checking and writing."""

from __future__ import annotations

from flask_login import current_user
from flask_smorest import Blueprint

from ..catalog import revisions
from ..core.actions import ActionError
from ..editor import content as editing
from ..editor import drafts
from ..editor import services as editor
from . import editor_schemas as schemas
from . import problems
from .guard import needs
from .http import setup

bp = Blueprint(
    "api_editor", __name__, url_prefix="/api/v1/editor", description="Editors' writes (token)."
)
problems.handle(bp)
setup(bp, limit=False)


def _state(comparison) -> dict:
    now = revisions.snapshot(comparison)
    return {
        "id": comparison.id,
        "slug": comparison.slug,
        "status": comparison.status,
        "revision": revisions.latest_number(comparison.id),
        "digest": revisions.digest(now),
        "content": now,
    }


def _content(data: dict) -> dict:
    """The request's content in the snapshot's shape (catalog/revisions.py)."""
    return {
        "title": data["title"],
        "intro": data["intro"],
        "pick": data.get("pick"),
        "summary": data["summary"],
        "bottom_line": data["bottom_line"],
        "options": [
            {
                "id": o["id"],
                "name": o["name"],
                "description": o["description"],
                "use_if": o["use_if"],
                "tags": list(
                    dict.fromkeys(t.lstrip("#").strip() for t in o["tags"] if t.strip("# "))
                ),
                "pros": [{"id": c["id"], "text": c["text"]} for c in o["pros"]],
                "cons": [{"id": c["id"], "text": c["text"]} for c in o["cons"]],
            }
            for o in data["options"]
        ],
    }


def _comparison(comparison_id: int):
    editing.check_editor(current_user)
    found = editing.load(comparison_id)
    if found is None:
        raise ActionError("No comparison with that id.", 404)
    return found


@bp.get("/comparisons/<int:comparison_id>")
@needs(bp, "edit")
@bp.response(200, schemas.EditorComparison)
def content(comparison_id: int):
    """A comparison's editable content (drafts too) with the revision and digest a save
    must name."""
    return _state(_comparison(comparison_id))


@bp.post("/comparisons")
@needs(bp, "edit")
@bp.arguments(schemas.CreateIn)
@bp.response(201, schemas.EditorComparison)
def create(data):
    """A new draft (revision 1); publish it when it is ready."""
    editing.check_editor(current_user)
    content = _content(data)
    if data["pick_index"] >= len(content["options"]):
        raise ActionError("pick_index names no option.", 422, "pick_index")
    for i, option in enumerate(content["options"]):
        option["_pick"] = i == data["pick_index"]
    created = drafts.do_create(current_user, content, data["message"])
    return _state(editing.load(created.id))


@bp.put("/comparisons/<int:comparison_id>")
@needs(bp, "edit")
@bp.arguments(schemas.UpdateIn)
@bp.response(200, schemas.EditorComparison)
def update(data, comparison_id: int):
    """Save new content as a revision. ``revision`` and ``digest`` come from GET: a save
    from older content is a 409. Removing options or points with votes or ratings needs
    ``confirm`` set to the counts the 409 names."""
    found = _comparison(comparison_id)
    try:
        editing.do_save(
            current_user,
            found,
            _content(data),
            data["revision"],
            data["digest"],
            data["message"],
            data["confirm"],
        )
    except editing.NeedsConfirmation as question:
        raise ActionError(
            f"This save deletes {question.removal.votes} votes and {question.removal.ratings} "
            f'ratings: send it again with "confirm": "{question.removal.token}".',
            409,
            "confirm",
        ) from None
    return _state(editing.load(comparison_id))


@bp.post("/comparisons/<int:comparison_id>/publish")
@needs(bp, "edit")
@bp.response(200, schemas.StatusOut)
def publish(comparison_id: int):
    """Publish a draft (or an archived comparison again)."""
    found = _comparison(comparison_id)
    status = editor.do_set_status(current_user, found, "publish")
    return {"id": comparison_id, "status": status}
