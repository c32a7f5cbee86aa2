"""Tags for editors: suggestions while typing, likely near-duplicates, and merging one tag
into another (the old slug becomes an alias whose page redirects to the kept tag)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

import sqlalchemy as sa

from ..core.actions import ActionError
from ..extensions import db
from ..modlog import services as modlog
from .models import Option, Tag, TagAlias, option_tags

SUGGESTIONS = 10
# Two tags whose normalised slugs are at least this alike are listed as near-duplicates.
SIMILAR = 0.85
# A shared leading word this long ("agile-…") is a likely near-duplicate too.
LEADING_WORD = 4
_SUFFIXES = (("ologies", "ology"), ("ies", "y"), ("ing", ""), ("es", ""), ("s", ""))


def _stem(word: str) -> str:
    """A crude English stem, enough to hear "methodologies" and "methodology" as one."""
    for suffix, replacement in _SUFFIXES:
        if len(word) > len(suffix) + 2 and word.endswith(suffix) and not word.endswith("ss"):
            return word[: -len(suffix)] + replacement
    return word


def normalised(slug: str) -> tuple[str, ...]:
    return tuple(_stem(w) for w in re.split(r"[-_\s]+", slug.casefold()) if w)


def alike(a: str, b: str) -> bool:
    """A simple, explainable rule: the same words once plurals are folded, the same
    leading word, one tag's words inside the other's, or nearly the same letters."""
    na, nb = normalised(a), normalised(b)
    if not na or not nb:
        return False
    if na == nb or set(na) <= set(nb) or set(nb) <= set(na):
        return True
    if na[0] == nb[0] and len(na[0]) >= LEADING_WORD:
        return True
    return SequenceMatcher(None, "".join(na), "".join(nb)).ratio() >= SIMILAR


def usage() -> list[tuple[Tag, int]]:
    """Every tag with the number of comparisons (any status) that use it, most used first."""
    count = sa.func.count(sa.distinct(Option.comparison_id)).label("n")
    stmt = (
        sa.select(Tag, count)
        .outerjoin(option_tags, option_tags.c.tag_id == Tag.id)
        .outerjoin(Option, Option.id == option_tags.c.option_id)
        .group_by(Tag.id)
        .order_by(count.desc(), Tag.slug)
    )
    return [(tag, n) for tag, n in db.session.execute(stmt)]


def suggestions(prefix: str, limit: int = SUGGESTIONS) -> list[tuple[Tag, int]]:
    """Tags whose slug or name contains what was typed, those starting with it first."""
    typed = prefix.strip().casefold()
    if not typed:
        return []
    return sorted(
        (
            (tag, n)
            for tag, n in usage()
            if typed in tag.slug.casefold() or typed in tag.name.casefold()
        ),
        key=lambda row: (not row[0].slug.startswith(typed), -row[1], row[0].slug),
    )[:limit]


@dataclass
class Group:
    tags: list[tuple[Tag, int]]  # most used first: the first is the suggested keeper


def near_duplicates() -> list[Group]:
    """Groups of tags that look alike (linked pairwise by ``alike``)."""
    rows = usage()
    parent = list(range(len(rows)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, (a, _) in enumerate(rows):
        for j in range(i + 1, len(rows)):
            if alike(a.slug, rows[j][0].slug):
                parent[root(j)] = root(i)
    groups: dict[int, list[tuple[Tag, int]]] = {}
    for i, row in enumerate(rows):
        groups.setdefault(root(i), []).append(row)
    return [Group(members) for members in groups.values() if len(members) > 1]


def do_merge_tags(keep: Tag, merged: list[Tag], merged_by=None) -> int:
    """Move every option tagged with one of ``merged`` to ``keep``, leave each old slug
    as an alias of ``keep`` and delete the old tags, in one transaction. Returns how many
    comparisons carried a merged tag. ``merged_by`` (a User) is named in the public log."""
    if not merged:
        raise ActionError("Choose at least one tag to merge into the kept one.", 422, "merge")
    if any(tag.id == keep.id for tag in merged):
        raise ActionError(f"#{keep.slug} cannot be merged into itself.", 422, "merge")
    ids = [tag.id for tag in merged]
    comparisons = list(
        db.session.scalars(
            sa.select(Option.comparison_id)
            .join(option_tags, option_tags.c.option_id == Option.id)
            .where(option_tags.c.tag_id.in_(ids))
            .distinct()
        )
    )
    # Options that carry both tags keep one row: insert only where the kept one is missing.
    already = sa.select(option_tags.c.option_id).where(option_tags.c.tag_id == keep.id)
    moving = (
        sa.select(option_tags.c.option_id, sa.literal(keep.id))
        .where(option_tags.c.tag_id.in_(ids), option_tags.c.option_id.not_in(already))
        .distinct()
    )
    db.session.execute(option_tags.insert().from_select(["option_id", "tag_id"], moving))
    db.session.execute(option_tags.delete().where(option_tags.c.tag_id.in_(ids)))
    # Aliases that pointed at a merged tag follow it to the kept one.
    db.session.execute(sa.update(TagAlias).where(TagAlias.tag_id.in_(ids)).values(tag_id=keep.id))
    db.session.execute(sa.delete(TagAlias).where(TagAlias.slug.in_([t.slug for t in merged])))
    for tag in merged:
        merged_by_id = merged_by.id if merged_by is not None else None
        db.session.add(TagAlias(slug=tag.slug, tag_id=keep.id, merged_by_id=merged_by_id))
    db.session.execute(sa.delete(Tag).where(Tag.id.in_(ids)))
    old = ", ".join(f"#{tag.slug}" for tag in merged)
    modlog.record_action(
        merged_by, "merge_tags", modlog.tag_subject(keep), detail=f"{old} → #{keep.slug}"
    )
    db.session.commit()
    db.session.expire_all()
    return len(comparisons)
