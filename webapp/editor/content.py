"""Saving and restoring a comparison's content: checks (check_*), then one transaction
(do_*) that writes the rows, records the revision and, when what the community verdict
measures changed (options, claims or the pick), marks the inputs changed.

Rows are matched by id, so a renamed option or claim keeps its votes and ratings; a row
missing from the content is deleted, with its votes or ratings, only once the editor has
confirmed the counts. Optimistic locking: the form names the revision and content digest
it started from, and a save from anything older is a 409 that shows what changed since.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..catalog import changes, revisions
from ..catalog.models import Claim, Comparison, EditorialVerdict, Option
from ..catalog.services import tags_named
from ..catalog.slugs import slugify
from ..core.actions import ActionError
from ..core.clock import utcnow
from ..extensions import db
from ..modlog import services as modlog
from ..voting.models import ClaimRating, Vote
from .pick import record_pick_change
from .plan import KINDS, MAX_OPTIONS, MIN_OPTIONS, drop_blank_new_rows

BASELINE_MESSAGE = "The content before its first edit in the editor"


class Conflict(ActionError):
    """Someone saved since the form was opened: 409, with what changed since."""

    def __init__(self, changes_since: list[tuple[str, str]], latest: int):
        super().__init__(
            "Someone saved this comparison after you opened it. Your text is kept below; "
            "read what changed, then save again to replace it.",
            409,
        )
        self.changes_since = changes_since
        self.latest = latest


@dataclass
class Removal:
    """What a save would delete, and the votes and ratings that go with it."""

    votes: int = 0
    ratings: int = 0
    names: list[str] = field(default_factory=list)

    @property
    def token(self) -> str:
        return f"{self.votes}:{self.ratings}"


class NeedsConfirmation(ActionError):
    def __init__(self, removal: Removal):
        super().__init__("Confirm the removal: it deletes votes or ratings.", 409)
        self.removal = removal


def load(comparison_id: int) -> Comparison | None:
    """Any comparison, drafts too, with everything the editor shows."""
    return db.session.scalars(
        sa.select(Comparison)
        .where(Comparison.id == comparison_id)
        .options(
            selectinload(Comparison.options).selectinload(Option.claims),
            selectinload(Comparison.options).selectinload(Option.tags),
            selectinload(Comparison.verdict),
        )
    ).first()


# --- checks ----------------------------------------------------------------------------


def check_editor(user: User) -> None:
    if not (user.is_authenticated and user.is_active and user.has_role("editor")):
        raise ActionError("The editor area is for editors and admins.", 403)


def check_content(comparison: Comparison, content: dict) -> dict:
    """The content to write (blank new rows dropped), or a 422 naming the field."""
    content = check_options(content)
    check_pick(comparison, content)
    return content


def check_options(content: dict) -> dict:
    """Blank new rows dropped; 2-6 named options, each row once (a new comparison too)."""
    content = drop_blank_new_rows(content)
    options = content["options"]
    if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        raise ActionError(f"A comparison has {MIN_OPTIONS} to {MAX_OPTIONS} options.", 422)
    # The form carries each row's id once; a row listed twice (an edited page) would be
    # kept in one place and silently deleted with its votes or ratings in the other.
    option_ids = [o["id"] for o in options if o["id"] is not None]
    claim_ids = [c["id"] for o in options for k in KINDS.values() for c in o[k] if c["id"]]
    if len(set(option_ids)) < len(option_ids) or len(set(claim_ids)) < len(claim_ids):
        raise ActionError("The form lists one option or point twice: reload it.", 422)
    seen: dict[str, int] = {}
    for i, option in enumerate(options):
        if not option["name"]:
            raise ActionError("Give the option a name.", 422, f"options-{i}-name")
        key = slugify(option["name"])
        if key in seen:
            raise ActionError(
                f"Two options are called “{option['name']}”: give each its own name.",
                422,
                f"options-{i}-name",
            )
        seen[key] = i
    return content


def check_pick(comparison: Comparison, content: dict) -> None:
    """The pick is a saved option; switching it comes with new verdict text."""
    current = {o.id for o in comparison.options}
    kept = {o["id"] for o in content["options"] if o["id"] in current}
    if content["pick"] not in kept:
        raise ActionError("Choose the editorial pick among the saved options.", 422, "pick")
    old_pick = comparison.verdict.picked_option_id if comparison.verdict else None
    if old_pick is not None and content["pick"] != old_pick:
        verdict = comparison.verdict
        same = (content["bottom_line"] == (verdict.bottom_line or "")) and (
            content["summary"] == (verdict.summary or "")
        )
        if same:
            raise ActionError(
                "You switched the pick: write the new verdict (the bottom line or the "
                "summary) in the same save, so the page does not argue for the old pick.",
                422,
                "bottom_line",
            )


def removal(comparison: Comparison, content: dict) -> Removal:
    """The rows ``content`` leaves out, with their votes and ratings."""
    kept_options = {o["id"] for o in content["options"] if o["id"] is not None}
    # A claim survives only under its own option and kind (what apply_content matches on): an id
    # sent under another option or kind is a new row there, and the old one goes.
    kept_claims = {
        (o["id"], kind, c["id"])
        for o in content["options"]
        for kind, key in KINDS.items()
        for c in o[key]
        if c["id"] is not None
    }
    gone_options = [o for o in comparison.options if o.id not in kept_options]
    gone_claims = [
        c for o in comparison.options for c in o.claims if (o.id, c.kind, c.id) not in kept_claims
    ]
    result = Removal(names=[o.name for o in gone_options])
    result.names += [
        f"{c.kind} of {c.option.name}: {c.text[:80]}"
        for c in gone_claims
        if c.option.id in kept_options
    ]
    if gone_options:
        result.votes = db.session.scalar(
            sa.select(sa.func.count()).where(Vote.option_id.in_([o.id for o in gone_options]))
        )
    if gone_claims:
        result.ratings = db.session.scalar(
            sa.select(sa.func.count()).where(ClaimRating.claim_id.in_([c.id for c in gone_claims]))
        )
    return result


def check_base(comparison: Comparison, revision: int | None, digest: str | None) -> None:
    """The form's starting point is the latest content, or a Conflict."""
    latest = revisions.latest_number(comparison.id)
    now = revisions.snapshot(comparison)
    if (revision or 0) == latest and digest == revisions.digest(now):
        return
    base = revisions.get_revision(comparison.id, revision or 1)
    if base is None:  # nothing recorded yet: a resolution or an import changed it
        raise Conflict([], latest)
    label = f"revision {base.number}"
    raise Conflict(revisions.diff(base.snapshot, now, label, "now"), latest)


# --- writes ----------------------------------------------------------------------------


def do_save(
    editor: User,
    comparison: Comparison,
    content: dict,
    revision: int | None,
    digest: str | None,
    message: str,
    confirm: str = "",
) -> revisions.Revision:
    """Write the form's content as a new revision (the form read and filtered it)."""
    check_editor(editor)
    _lock(comparison)
    check_base(comparison, revision, digest)
    if not message:
        raise ActionError("Say in a line what you changed and why.", 422, "message")
    content = check_content(comparison, content)
    return _write(editor, comparison, content, message, confirm)


def do_restore(
    editor: User,
    comparison: Comparison,
    number: int,
    revision: int | None,
    digest: str | None,
    confirm: str = "",
) -> revisions.Revision:
    """Make an old revision's content the current one, as a new revision."""
    check_editor(editor)
    _lock(comparison)
    old = revisions.get_revision(comparison.id, number)
    if old is None:
        raise ActionError("This comparison has no such revision.", 404)
    check_base(comparison, revision, digest)
    content = _restorable(comparison, old.snapshot)
    return _write(editor, comparison, content, f"Restored revision {number}", confirm, number)


def _restorable(comparison: Comparison, content: dict) -> dict:
    """An old snapshot as content to write: rows deleted since come back as new rows."""
    existing_claims = {c.id for o in comparison.options for c in o.claims}
    existing_options = {o.id for o in comparison.options}
    options = []
    for option in content["options"]:
        alive = option["id"] in existing_options
        claims = {
            k: [
                {"id": c["id"] if alive and c["id"] in existing_claims else None, "text": c["text"]}
                for c in option[k]
            ]
            for k in KINDS.values()
        }
        options.append({**option, **claims, "id": option["id"] if alive else None})
    if content["pick"] not in existing_options:
        raise ActionError(
            "That revision's pick was removed since; it cannot be restored as it was.", 409
        )
    return {**content, "options": options}


def _lock(comparison: Comparison) -> None:
    # Two saves of one comparison take turns (PostgreSQL; SQLite has a single writer), and
    # the unique revision number refuses the second one whichever way they interleave.
    db.session.execute(
        sa.select(Comparison.id).where(Comparison.id == comparison.id).with_for_update()
    )


def _write(
    editor: User,
    comparison: Comparison,
    content: dict,
    message: str,
    confirm: str,
    restored: int | None = None,
) -> revisions.Revision:
    gone = removal(comparison, content)
    if (gone.votes or gone.ratings) and confirm != gone.token:
        raise NeedsConfirmation(gone)
    if revisions.latest_number(comparison.id) == 0:
        revisions.record(comparison, None, BASELINE_MESSAGE)
    old_pick = comparison.verdict.picked_option_id if comparison.verdict else None
    # Named now: the save may remove the old pick's option.
    old_name = next((o.name for o in comparison.options if o.id == old_pick), None)
    structure_before = _structure(comparison)
    apply_content(comparison, content)
    db.session.flush()
    new_pick = comparison.verdict.picked_option_id
    if old_pick is not None and new_pick != old_pick:
        record_pick_change(editor, comparison, (old_pick, old_name), new_pick, message)
    # A site edit: a later import of the page file keeps it (catalog.services.import_page).
    comparison.edited_at = utcnow()
    if new_pick != old_pick or _structure(comparison) != structure_before:
        # What the verdict measures changed: marked in this transaction, so the sweep
        # repairs the verdict even when the recompute request is lost.
        changes.mark_inputs_changed([comparison.id])
    try:
        with db.session.begin_nested():
            saved = revisions.record(comparison, editor.id, message)
    except IntegrityError:
        db.session.rollback()
        raise Conflict([], revisions.latest_number(comparison.id)) from None
    if gone.votes or gone.ratings:
        # Deleting what members voted on or rated is an editorial decision the public log
        # shows, with the save's message as the reason.
        votes = f"{gone.votes} vote{'' if gone.votes == 1 else 's'}"
        ratings = f"{gone.ratings} rating{'' if gone.ratings == 1 else 's'}"
        modlog.record_action(
            editor,
            "remove_rows",
            modlog.comparison_subject(comparison),
            message,
            detail=f"{votes} and {ratings} deleted with {'; '.join(gone.names)}",
        )
    if restored is not None:
        subject = modlog.comparison_subject(comparison)
        modlog.record_action(
            editor, "restore_revision", subject, message, detail=f"revision {restored}"
        )
    changes.commit()
    return saved


def _structure(comparison: Comparison) -> tuple:
    # Which options and claims exist (not their wording): a rename changes no verdict.
    return tuple(sorted((o.id, tuple(sorted(c.id for c in o.claims))) for o in comparison.options))


def apply_content(comparison: Comparison, content: dict) -> None:
    """Write ``content`` onto the comparison's rows (matched by id); the caller commits."""
    existing = {o.id: o for o in comparison.options}
    if comparison.verdict is not None and content["pick"] in existing:
        # The new pick first: a save that switches away from an option and deletes it must
        # not flush the deletion while the verdict still points at it.
        comparison.verdict.picked_option_id = content["pick"]
    # Park positions out of the way so reordering never trips the unique keys.
    for i, option in enumerate(comparison.options):
        option.position = -1 - i
        for j, claim in enumerate(option.claims):
            claim.position = -1 - j
    db.session.flush()
    slugs = {o.slug for o in comparison.options}
    kept, pick_row = [], None
    new_tags: dict = {}  # a tag new to the site, named on two options, is one row
    with db.session.no_autoflush:
        for position, entry in enumerate(content["options"]):
            option = existing.pop(entry["id"], None) if entry["id"] is not None else None
            if option is None:
                option = Option(slug=_free(slugify(entry["name"]), slugs), comparison=comparison)
                slugs.add(option.slug)
            option.name = entry["name"]
            option.description = entry["description"]
            option.use_if = entry["use_if"] or None
            option.position = position
            option.claims = _claims(option, entry)
            if "tags" in entry:  # revisions from before tags were editable leave them be
                option.tags = tags_named(entry["tags"], new_tags)
            kept.append(option)
            # A new comparison's pick is marked on its (new) option: it has no id yet.
            if entry.get("_pick") or (entry["id"] is not None and entry["id"] == content["pick"]):
                pick_row = option
        comparison.options = kept
        comparison.title = content["title"]
        comparison.intro = content["intro"]
    db.session.flush()  # new rows get ids; removed ones go (their votes/ratings cascade)
    if comparison.verdict is None:
        comparison.verdict = EditorialVerdict(comparison_id=comparison.id)
    verdict = comparison.verdict
    verdict.picked_option_id = pick_row.id
    verdict.summary = content["summary"] or None
    verdict.bottom_line = content["bottom_line"] or None


def _claims(option: Option, entry: dict) -> list[Claim]:
    current = {c.id: c for c in option.claims}
    claims = []
    for kind, key in KINDS.items():
        for position, item in enumerate(entry[key]):
            claim = current.pop(item["id"], None) if item["id"] is not None else None
            if claim is None or claim.kind != kind:
                claim = Claim(kind=kind)
            claim.text = item["text"]
            claim.position = position
            claims.append(claim)
    return claims


def _free(base: str, taken: set[str]) -> str:
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug
