"""Catalog services: reading the public catalog and writing imported pages."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..core.actions import ActionError
from ..core.clock import as_utc, utcnow
from ..extensions import db
from .importer.parser import ParsedPage
from .models import (
    READABLE,
    Claim,
    Comparison,
    EditorialVerdict,
    Option,
    Tag,
    TagAlias,
    option_tags,
)
from .slugs import slugify

MAX_SEARCH_WORDS = 8
TAG_SLUG_MAX = Tag.__table__.c.slug.type.length


# --- reading -------------------------------------------------------------------------


# The catalog's own order. Orders by community verdict ("contested", "flipped") belong to
# verdicts (verdicts.services.sorted_by_verdict), which reuses this one to break ties.
NEWEST_FIRST = (Comparison.created_at.desc(), Comparison.id.desc())


def published_comparisons(query: str = "", tag: Tag | None = None) -> sa.Select:
    """Published comparisons, newest first, optionally searched and filtered by tag.

    Each search word must appear in the title, an option name or a tag (any letter
    case); LIKE wildcards in the input are escaped, so `%` and `_` match themselves.
    Loads what a card shows (options, their tags, the editorial pick) for the whole page
    at once: a statement per relation, not per card.
    """
    stmt = (
        sa.select(Comparison)
        .where(Comparison.status == "published")
        .options(
            selectinload(Comparison.options).selectinload(Option.tags),
            # One row per comparison: joined, no statement of its own. The pick it names is
            # one of the options just loaded, so Comparison.pick reads the identity map.
            joinedload(Comparison.verdict),
        )
    )
    if tag is not None:
        stmt = stmt.where(
            Comparison.id.in_(
                sa.select(Option.comparison_id)
                .join(option_tags, option_tags.c.option_id == Option.id)
                .where(option_tags.c.tag_id == tag.id)
            )
        )
    for word in search_words(query):
        stmt = stmt.where(_matches(word))
    return stmt.order_by(*NEWEST_FIRST)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str) -> str:
    """Drop control characters (NUL among them, which PostgreSQL refuses in text)."""
    return _CONTROL.sub("", value)


def search_words(query: str) -> list[str]:
    return [w.casefold() for w in query.split()][:MAX_SEARCH_WORDS]


def _matches(word: str) -> sa.ColumnElement[bool]:
    def like(column):
        return sa.func.lower(column).contains(word, autoescape=True)

    in_options = sa.select(Option.comparison_id).where(like(Option.name))
    in_tags = (
        sa.select(Option.comparison_id)
        .join(option_tags, option_tags.c.option_id == Option.id)
        .join(Tag, Tag.id == option_tags.c.tag_id)
        .where(sa.or_(like(Tag.slug), like(Tag.name)))
    )
    return sa.or_(like(Comparison.title), Comparison.id.in_(in_options), Comparison.id.in_(in_tags))


def get_published(slug: str, whole: bool = True) -> Comparison | None:
    """A published (or archived: still readable) comparison; ``whole`` also loads claims,
    tags and the editorial verdict (the page needs them, a vote only needs the options)."""
    if whole:
        return db.session.scalars(_whole_statement(), {"slug": slug}).unique().first()
    return db.session.scalars(
        sa.select(Comparison)
        .where(Comparison.slug == slug, Comparison.status.in_(READABLE))
        .options(selectinload(Comparison.options))
    ).first()


def require_published(slug: str, whole: bool = True) -> Comparison:
    """get_published, or a 404 for the person who asked (drafts are not public)."""
    comparison = get_published(slug, whole)
    if comparison is None:
        raise ActionError("No published comparison lives at this address.", 404)
    return comparison


@functools.cache
def _whole_statement() -> sa.Select:
    """Two statements (the options and their claims joined to the comparison row and its
    verdict, then the tags), built once: on the reader's page, building and running four
    cost more than the rest of the page's reads."""
    return (
        sa.select(Comparison)
        .where(Comparison.slug == sa.bindparam("slug"), Comparison.status.in_(READABLE))
        .options(
            joinedload(Comparison.verdict),
            joinedload(Comparison.options).joinedload(Option.claims),
            joinedload(Comparison.options).selectinload(Option.tags),
        )
    )


def get_tag(slug: str) -> Tag | None:
    return db.session.scalars(sa.select(Tag).where(Tag.slug == slug)).first()


def resolve_tag_alias(slug: str) -> Tag | None:
    """The tag a merged slug now lives on (its page redirects there), or None."""
    return db.session.scalars(
        sa.select(Tag).join(TagAlias, TagAlias.tag_id == Tag.id).where(TagAlias.slug == slug)
    ).first()


def tag_counts(limit: int | None = None) -> list[tuple[Tag, int]]:
    """Tags with the number of published comparisons that carry them, most used first."""
    count = sa.func.count(sa.distinct(Option.comparison_id)).label("n")
    stmt = (
        sa.select(Tag, count)
        .join(option_tags, option_tags.c.tag_id == Tag.id)
        .join(Option, Option.id == option_tags.c.option_id)
        .join(Comparison, Comparison.id == Option.comparison_id)
        .where(Comparison.status == "published")
        .group_by(Tag.id)
        .order_by(count.desc(), Tag.slug)
        .limit(limit)
    )
    return [(tag, n) for tag, n in db.session.execute(stmt)]


# --- writing imported pages -------------------------------------------------------------


@dataclass
class ImportResult:
    comparison: Comparison
    created: bool
    # "written", "unchanged" (the same page as the last import: nothing written) or
    # "kept" (a person changed it on the site since: the file's changes are not applied).
    outcome: str = "written"


def page_digest(page: ParsedPage) -> str:
    """What an import writes, as a digest: whitespace or capture noise the parser drops
    does not count as a change."""
    data = json.dumps(dataclasses.asdict(page), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(data.encode()).hexdigest()


def import_page(page: ParsedPage, source: str, status: str = "published") -> ImportResult:
    """Create or update the comparison that came from ``source``; the caller commits.

    Options are matched by slug and claims by (kind, position), so rows keep their ids
    across re-imports and later votes and ratings stay attached. A page imported before
    is written again only when it changed, and never over an edit made on the site since
    (a resolution that switched the pick): the site's decision stands.
    """
    digest = page_digest(page)
    comparison = db.session.scalars(
        sa.select(Comparison).where(Comparison.source == source)
    ).first()
    created = comparison is None
    if not created and comparison.import_digest == digest:
        return ImportResult(comparison, False, "unchanged")
    if not created and _edited_since_import(comparison):
        return ImportResult(comparison, False, "kept")
    if created:
        comparison = Comparison(source=source, slug=free_slug(slugify(page.title)), status=status)
        db.session.add(comparison)
    _write_page(comparison, page)
    comparison.import_digest, comparison.imported_at = digest, utcnow()
    db.session.flush()
    if not created:
        from .changes import mark_inputs_changed

        # Options, claims or the pick changed what the community verdict measures: the
        # same mark as a vote, so the sweep repairs it if the recompute request is lost.
        mark_inputs_changed([comparison.id])
    return ImportResult(comparison, created)


def create_from_page(page: ParsedPage) -> Comparison:
    """A new draft from a page file an editor uploaded; the caller records and commits.
    Always a new row with a free slug and no source: an upload never updates (or
    overwrites) an existing comparison, imported or not."""
    comparison = Comparison(source=None, slug=free_slug(slugify(page.title)), status="draft")
    db.session.add(comparison)
    _write_page(comparison, page)
    db.session.flush()
    return comparison


def _write_page(comparison: Comparison, page: ParsedPage) -> None:
    with db.session.no_autoflush:
        comparison.title = page.title
        comparison.intro = page.intro
        comparison.label = page.label
        options = _sync_options(comparison, page)
    db.session.flush()  # new options get their ids before the verdict points at one
    if comparison.verdict is None:
        comparison.verdict = EditorialVerdict()
    verdict = comparison.verdict
    verdict.picked_option_id = next(o.id for o in options if o.name == page.pick)
    verdict.summary = page.summary
    verdict.bottom_line = page.bottom_line


def _edited_since_import(comparison: Comparison) -> bool:
    edited, imported = comparison.edited_at, comparison.imported_at
    return edited is not None and (imported is None or as_utc(edited) >= as_utc(imported))


def free_slug(base: str) -> str:
    """``base``, or ``base-2``, ``base-3`` … whichever no comparison has yet."""
    taken = set(
        db.session.scalars(
            sa.select(Comparison.slug).where(
                sa.or_(Comparison.slug == base, Comparison.slug.like(f"{base}-%"))
            )
        )
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _sync_options(comparison: Comparison, page: ParsedPage) -> list[Option]:
    existing = {o.slug: o for o in comparison.options}
    # Park current positions out of the way so reordering never trips the unique key.
    for i, option in enumerate(existing.values()):
        option.position = -1 - i
    if existing:
        db.session.flush()
    kept: list[Option] = []
    tags: dict[str, Tag] = {}
    for position, parsed in enumerate(page.options):
        slug = slugify(parsed.name)
        option = existing.pop(slug, None) or Option(slug=slug, comparison=comparison)
        option.name = parsed.name
        option.description = parsed.description
        option.position = position
        option.use_if = parsed.use_if
        option.tags = [_tag(name, tags) for name in dict.fromkeys(parsed.tags)]
        _sync_claims(option, "pro", parsed.pros)
        _sync_claims(option, "con", parsed.cons)
        kept.append(option)
    comparison.options = kept
    return kept


def _sync_claims(option: Option, kind: str, texts: list[str]) -> None:
    current = {c.position: c for c in option.claims if c.kind == kind}
    others = [c for c in option.claims if c.kind != kind]
    claims = []
    for position, text in enumerate(texts):
        claim = current.get(position) or Claim(kind=kind, position=position)
        claim.text = text
        claims.append(claim)
    option.claims = others + claims


def _tag(name: str, pending: dict[str, Tag]) -> Tag:
    """The tag with this slug: from this import's pending ones, the database (a merged
    slug gives the tag it was merged into), or new."""
    slug = slugify(name)[:TAG_SLUG_MAX]
    tag = pending.get(slug) or get_tag(slug) or resolve_tag_alias(slug)
    if tag is None:
        tag = Tag(slug=slug, name=name)
        db.session.add(tag)
    pending[slug] = tag
    return tag


def tags_named(names: list[str], pending: dict[str, Tag] | None = None) -> list[Tag]:
    """The tags an editor typed, each once: existing ones (or what they were merged
    into), new ones added to the session; ``pending`` shares new ones between calls."""
    pending = {} if pending is None else pending
    found = [_tag(name, pending) for name in dict.fromkeys(n.strip() for n in names) if name]
    return list({id(tag): tag for tag in found}.values())
