"""New comparisons: written in the form, or started from an uploaded page file. Either
way the result is a draft (404 for readers) with a first revision, ready for the edit
form; nothing existing is ever updated or overwritten (a taken slug gets a suffix)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..accounts.forms import direction_control
from ..accounts.models import User
from ..catalog import revisions
from ..catalog.importer.parser import Refused, parse
from ..catalog.importer.runner import check_limits, decode
from ..catalog.models import Comparison
from ..catalog.services import clean_text, create_from_page, free_slug
from ..catalog.slugs import slugify
from ..core.actions import ActionError
from ..core.clock import utcnow
from ..extensions import db
from .content import apply_content, check_editor, check_options

CREATED_MESSAGE = "Created"
# Refusals about the file itself; any other is about its text as a page (parser.py).
FILE_REFUSALS = {"too-large", "empty", "binary", "encoding"}


def do_create(editor: User, content: dict, message: str = "") -> Comparison:
    """A draft from the new-comparison form: checked like a save, then written as
    revision 1 in one transaction."""
    check_editor(editor)
    content = check_options(content)
    picked = [i for i, o in enumerate(content["options"]) if o.get("_pick")]
    if len(picked) != 1:
        raise ActionError("Choose the editors’ pick: one of the options.", 422, "pick_at")
    comparison = Comparison(
        slug=free_slug(slugify(content["title"])),
        title=content["title"],
        intro=content["intro"],
        status="draft",
    )
    db.session.add(comparison)
    db.session.flush()
    apply_content(comparison, {**content, "pick": None})
    comparison.edited_at = utcnow()
    revisions.record(comparison, editor.id, message or CREATED_MESSAGE)
    db.session.commit()
    return comparison


@dataclass
class Uploaded:
    comparison: Comparison
    missing: list[str] = field(default_factory=list)


def do_create_from_upload(editor: User, filename: str, data: bytes, max_bytes: int) -> Uploaded:
    """A draft from a page file in the importer's format. A file that is too big is a
    413, one that is not UTF-8 text or not a comparison page a 422; nothing is written."""
    check_editor(editor)
    name = clean_text(filename or "").strip()[:120] or "the file"
    try:
        source = decode(data, max_bytes)
        page = parse(source)
        check_limits(page)
    except Refused as refused:
        status = 413 if refused.code == "too-large" else 422
        reason = refused.message
        if refused.code not in FILE_REFUSALS:
            reason = f"not a comparison page the importer can read ({reason})"
        raise ActionError(f"{name}: {reason}.", status, "page_file") from None
    found = direction_control(source)
    if found:
        # The form refuses these (they make a title read backwards); a file may not add them.
        line = source.count("\n", 0, source.index(chr(int(found[2:], 16)))) + 1
        raise ActionError(
            f"{name}: line {line} holds an invisible text-direction character ({found}); "
            "remove it and upload again.",
            422,
            "page_file",
        )
    comparison = create_from_page(page)
    # Written by a person on the site (the lists and the importer read edited_at).
    comparison.edited_at = utcnow()
    revisions.record(comparison, editor.id, f"Created from the page file {name}"[:200])
    db.session.commit()
    return Uploaded(comparison, list(page.missing))
