"""Tag merging in the catalog (catalog/tags.py): which tags look alike, what a merge moves,
the alias it leaves (old tag page: 301 to the kept one), and imports or edits naming a
merged tag. Both engines."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests import factories
from webapp.catalog import tags
from webapp.catalog.importer.parser import ParsedOption, ParsedPage
from webapp.catalog.models import Option, Tag, TagAlias
from webapp.catalog.services import import_page, resolve_tag_alias, tags_named
from webapp.core.actions import ActionError
from webapp.extensions import db


def compared(*names, tags=None, **kwargs):
    """factories.comparison, tagged once its options are in the session (the factory's
    own ``tags=`` autoflushes half-built options when several options carry tags)."""
    comparison = factories.comparison(*names, **kwargs)
    for option in comparison.options:
        option.tags = [factories.tag(t) for t in (tags or {}).get(option.name, [])]
    db.session.flush()
    return comparison


@pytest.mark.parametrize(
    "a, b",
    [
        ("agile-methodology", "agile-methodologies"),
        ("agile-methodology", "agile-development"),
        ("database", "databases"),
        ("note-taking", "notetaking"),
        ("ci-cd", "ci"),
    ],
)
def test_these_look_alike(a, b):
    assert tags.alike(a, b) and tags.alike(b, a)


@pytest.mark.parametrize(
    "a, b", [("python", "go"), ("backend", "frontend"), ("travel", "kitchen"), ("ci", "cd")]
)
def test_these_do_not(a, b):
    assert not tags.alike(a, b)


def test_near_duplicates_group_alike_tags_most_used_first(session):
    compared("A", "B", tags={"A": ["agile-methodology"], "B": ["python"]})
    compared("C", "D", tags={"C": ["agile-methodologies"], "D": ["agile-methodology"]})
    compared("E", "F", tags={"E": ["agile-development"], "F": ["go"]})
    groups = tags.near_duplicates()
    assert [[t.slug for t, _ in g.tags] for g in groups] == [
        ["agile-methodology", "agile-development", "agile-methodologies"]
    ]
    assert groups[0].tags[0][1] == 2  # used on two comparisons: suggested as the keeper


def tag_slugs(option: Option) -> list[str]:
    db.session.expire_all()
    return [t.slug for t in db.session.get(Option, option.id).tags]


def test_merging_moves_every_option_and_leaves_an_alias(session):
    one = compared("A", "B", tags={"A": ["agile-methodology"]})
    two = compared("C", "D", tags={"C": ["agile-methodologies", "agile-development"]})
    three = compared("E", "F", tags={"E": ["agile-development"]})
    keep = factories.tag("agile-methodology")
    merged = [factories.tag("agile-methodologies"), factories.tag("agile-development")]
    editor = factories.user(role="editor")
    moved = tags.do_merge_tags(keep, merged, editor)
    assert moved == 2
    assert tag_slugs(one.options[0]) == ["agile-methodology"]
    assert tag_slugs(two.options[0]) == ["agile-methodology"]  # one row, not two
    assert tag_slugs(three.options[0]) == ["agile-methodology"]
    assert db.session.scalars(sa.select(Tag.slug).where(Tag.slug.like("agile%"))).all() == [
        "agile-methodology"
    ]
    aliases = db.session.scalars(sa.select(TagAlias).order_by(TagAlias.slug)).all()
    assert [(a.slug, a.tag.slug, a.merged_by_id) for a in aliases] == [
        ("agile-development", "agile-methodology", editor.id),
        ("agile-methodologies", "agile-methodology", editor.id),
    ]
    assert resolve_tag_alias("agile-development").slug == "agile-methodology"
    assert resolve_tag_alias("agile-methodology") is None  # a live tag, not an alias


def test_a_second_merge_carries_earlier_aliases_along(session):
    compared("A", "B", tags={"A": ["a-one"], "B": ["a-two"]})
    compared("C", "D", tags={"C": ["a-three"]})
    tags.do_merge_tags(factories.tag("a-two"), [factories.tag("a-one")], None)
    tags.do_merge_tags(factories.tag("a-three"), [factories.tag("a-two")], None)
    assert resolve_tag_alias("a-one").slug == "a-three"
    assert resolve_tag_alias("a-two").slug == "a-three"


def test_merging_a_tag_into_itself_is_refused(session):
    compared("A", "B", tags={"A": ["solo"]})
    solo = factories.tag("solo")
    with pytest.raises(ActionError) as refused:
        tags.do_merge_tags(solo, [solo], None)
    assert refused.value.status == 422 and "into itself" in refused.value.message
    with pytest.raises(ActionError):
        tags.do_merge_tags(solo, [], None)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TagAlias)) == 0


def test_an_import_or_an_edit_naming_a_merged_tag_gets_the_kept_one(session):
    compared("A", "B", tags={"A": ["databases"], "B": ["database"]})
    tags.do_merge_tags(factories.tag("databases"), [factories.tag("database")], None)
    page = ParsedPage(
        title="Left vs Right",
        options=[ParsedOption("Left", tags=["Database"]), ParsedOption("Right", tags=["new-one"])],
        pick="Left",
    )
    result = import_page(page, "file:left-vs-right")
    db.session.commit()
    assert [t.slug for t in result.comparison.options[0].tags] == ["databases"]
    assert [t.slug for t in tags_named(["database", "Databases", "fresh"])] == [
        "databases",
        "fresh",
    ]
    assert get_count("database") == 0


def get_count(slug: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(Tag.slug == slug))


def test_the_old_tag_page_redirects_for_good(client):
    compared("A", "B", tags={"A": ["agile-methodology"], "B": ["agile-development"]})
    tags.do_merge_tags(
        factories.tag("agile-methodology"), [factories.tag("agile-development")], None
    )
    response = client.get("/tags/agile-development")
    assert response.status_code == 301
    assert response.headers["Location"] == "/tags/agile-methodology"
    assert client.get("/tags/agile-methodology").status_code == 200
    assert client.get("/tags/never-was").status_code == 404


def test_suggestions_match_what_was_typed_prefix_first(session):
    compared("A", "B", tags={"A": ["agile-methodology"], "B": ["fragile"]})
    found = [t.slug for t, _ in tags.suggestions("agil")]
    assert found == ["agile-methodology", "fragile"]
    assert tags.suggestions("   ") == []
