"""Revisions of a comparison's editable content: a numbered row per save with who, when,
a message and a JSON snapshot, so editors can read what changed and restore old text.

In the catalog (not the editor) because the snapshot is the catalog's own content, and a
lower layer (a resolution's pick change) may record one later without importing upwards.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.clock import utcnow
from ..extensions import db
from .models import Comparison

MESSAGE_MAX = 300


class Revision(db.Model):
    __tablename__ = "comparison_revisions"
    __table_args__ = (sa.UniqueConstraint("comparison_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comparison_id: Mapped[int] = mapped_column(sa.ForeignKey("comparisons.id", ondelete="CASCADE"))
    # 1, 2, 3 … per comparison; the unique key refuses a second save from the same base.
    number: Mapped[int] = mapped_column(sa.Integer)
    # None: recorded by Crowdpick (the content as it was before the first edit).
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    message: Mapped[str] = mapped_column(sa.String(MESSAGE_MAX))
    snapshot: Mapped[dict] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    # By table name: catalog may not import accounts (siblings in the layers).
    author = relationship("User", lazy="selectin")


def snapshot(comparison: Comparison) -> dict:
    """The editable content as plain data. Options and claims carry their ids so a restore
    updates the same rows (votes and ratings stay attached)."""
    verdict = comparison.verdict
    return {
        "title": comparison.title,
        "intro": comparison.intro or "",
        "pick": verdict.picked_option_id if verdict else None,
        "summary": (verdict.summary if verdict else None) or "",
        "bottom_line": (verdict.bottom_line if verdict else None) or "",
        "options": [
            {
                "id": option.id,
                "name": option.name,
                "description": option.description or "",
                "use_if": option.use_if or "",
                "tags": [t.name for t in option.tags],
                "pros": [{"id": c.id, "text": c.text} for c in option.pros],
                "cons": [{"id": c.id, "text": c.text} for c in option.cons],
            }
            for option in comparison.options
        ],
    }


def digest(data: dict) -> str:
    """Names the content a form started from: any change since (an editor, a resolution,
    an import) gives another digest."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def as_text(data: dict) -> list[str]:
    """The snapshot as lines a person reads (what the history diff compares)."""
    names = {o.get("id"): o["name"] for o in data["options"]}
    lines = [
        f"Title: {data['title']}",
        f"Intro: {data['intro']}",
        f"Editorial pick: {names.get(data['pick'], '—')}",
        f"Verdict summary: {data['summary']}",
        f"Bottom line: {data['bottom_line']}",
    ]
    for n, option in enumerate(data["options"], 1):
        lines += [
            "",
            f"Option {n}: {option['name']}",
            f"  Description: {option['description']}",
            f"  Use {option['name']} if: {option['use_if']}",
        ]
        if option.get("tags"):  # revisions before tags were editable have none
            lines.append("  Tags: " + ", ".join(option["tags"]))
        lines += [f"  + {c['text']}" for c in option["pros"]]
        lines += [f"  − {c['text']}" for c in option["cons"]]
    return lines


def diff(old: dict, new: dict, old_label: str, new_label: str) -> list[tuple[str, str]]:
    """A unified diff as (kind, line) pairs: kind is "add", "del", "hunk" or "same"."""
    rows = []
    for line in difflib.unified_diff(
        as_text(old), as_text(new), old_label, new_label, n=2, lineterm=""
    ):
        if line.startswith(("---", "+++")):
            continue
        kind = {"+": "add", "-": "del", "@": "hunk"}.get(line[:1], "same")
        rows.append((kind, line))
    return rows


def revisions_of(comparison_id: int) -> list[Revision]:
    """Newest first."""
    return list(
        db.session.scalars(
            sa.select(Revision)
            .where(Revision.comparison_id == comparison_id)
            .order_by(Revision.number.desc())
        )
    )


def get_revision(comparison_id: int, number: int) -> Revision | None:
    return db.session.scalars(
        sa.select(Revision).where(
            Revision.comparison_id == comparison_id, Revision.number == number
        )
    ).first()


def latest_number(comparison_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.max(Revision.number), 0)).where(
            Revision.comparison_id == comparison_id
        )
    )


def record(comparison: Comparison, author_id: int | None, message: str) -> Revision:
    """A new revision with the comparison's content as it is now (flushed); the caller
    commits. Two saves from the same base collide on the unique key, never both land."""
    revision = Revision(
        comparison_id=comparison.id,
        number=latest_number(comparison.id) + 1,
        author_id=author_id,
        message=message[:MESSAGE_MAX],
        snapshot=snapshot(comparison),
        created_at=utcnow(),
    )
    db.session.add(revision)
    db.session.flush()
    return revision
