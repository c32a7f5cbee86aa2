"""Integrity held by the database itself, on SQLite and PostgreSQL alike."""

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from tests import factories
from webapp.catalog.models import Claim, Comparison, EditorialVerdict, Option, Tag
from webapp.extensions import db


def flush_fails():
    return pytest.raises(IntegrityError)


def test_comparison_slugs_are_unique(session):
    first = factories.comparison()
    session.add(Comparison(slug=first.slug, title="Another", intro=""))
    with flush_fails():
        session.flush()


def test_tag_slugs_are_unique(session):
    session.add_all([Tag(slug="same", name="a"), Tag(slug="same", name="b")])
    with flush_fails():
        session.flush()


def test_pick_must_be_one_of_the_comparisons_own_options(session):
    mine = factories.comparison()
    theirs = factories.comparison()
    mine.verdict.picked_option_id = theirs.options[0].id
    with flush_fails():
        session.flush()


def test_pick_of_own_option_is_accepted(session):
    comp = factories.comparison(pick=0)
    comp.verdict.picked_option_id = comp.options[1].id
    session.flush()
    session.expire_all()
    assert session.get(EditorialVerdict, comp.id).picked_option_id == comp.options[1].id


def test_option_positions_unique_per_comparison(session):
    comp = factories.comparison()
    session.add(Option(comparison_id=comp.id, name="Third", slug="third", position=0))
    with flush_fails():
        session.flush()


def test_same_position_in_different_comparisons_is_fine(session):
    a, b = factories.comparison(), factories.comparison()
    assert a.options[0].position == b.options[0].position == 0


def test_claim_positions_unique_per_option_and_kind(session):
    comp = factories.comparison()
    session.add(Claim(option_id=comp.options[0].id, kind="pro", text="dup", position=0))
    with flush_fails():
        session.flush()


def test_claim_kind_is_checked(session):
    comp = factories.comparison()
    session.add(Claim(option_id=comp.options[0].id, kind="meh", text="?", position=9))
    with flush_fails():
        session.flush()


def test_status_is_checked(session):
    session.add(Comparison(slug="odd-status", title="Odd", intro="", status="retired"))
    with flush_fails():
        session.flush()


def test_deleting_a_comparison_removes_its_rows(session):
    comp = factories.comparison("Keep", "Other", tags={"Keep": ["kept"]})
    session.delete(comp)
    session.flush()
    for model in (Option, Claim, EditorialVerdict):
        assert session.scalar(sa.select(sa.func.count()).select_from(model)) == 0
    assert session.scalar(sa.select(Tag.slug)) == "kept"


def test_migrations_match_the_models(app):
    """The schema the migrations build is the schema the models describe."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with app.app_context(), db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert diff == []
