"""The comparison page's lean reads (issue 14, item 5): the page loads the comparison in
two statements (catalog.services.require_published, whole) and runs statements built once, with the
comparison as a parameter. Each must answer exactly what the slower form answered, for
whichever comparison asks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from tests import factories
from webapp.catalog.models import Comparison, Option
from webapp.catalog.services import require_published
from webapp.core.actions import ActionError
from webapp.discussions.models import PickChange, Post, Thread
from webapp.discussions.pick_changes import latest_pick_change
from webapp.discussions.services import current_disagreement, latest_conclusion, latest_posts
from webapp.extensions import db
from webapp.verdicts.spread import Spread, claim_spreads
from webapp.voting.models import ClaimRating


def _shape(comp) -> tuple:
    """Everything the page reads from the loaded comparison, in the page's order."""
    verdict = comp.verdict
    return (
        comp.id,
        comp.title,
        comp.status,
        verdict and (verdict.picked_option_id, verdict.bottom_line),
        [
            (
                o.id,
                o.name,
                [(c.id, c.kind, c.text) for c in o.claims],
                [t.slug for t in o.tags],
            )
            for o in comp.options
        ],
    )


def _one_by_one(slug: str):
    """The reference: each relation in its own statement (the loader before the lean one)."""
    return db.session.scalars(
        sa.select(Comparison)
        .where(Comparison.slug == slug)
        .options(
            selectinload(Comparison.options).selectinload(Option.claims),
            selectinload(Comparison.options).selectinload(Option.tags),
            joinedload(Comparison.verdict),
        )
    ).first()


def test_the_page_loader_loads_what_one_statement_per_relation_loads(session):
    with db.session.no_autoflush:  # the factory looks up tags while options are new
        comp = factories.comparison(
            "Kettle",
            "Stove",
            "Flask",
            pick=1,
            tags={"Kettle": ["zinc", "brass"], "Flask": ["glass"]},
            pros=3,
            cons=2,
        )
    # Out of order on purpose: the page shows claims by kind, then position.
    comp.options[0].claims[0].position = 9
    db.session.commit()
    slug = comp.slug
    db.session.expunge_all()  # each loader fills its own objects, nothing from the map
    lean = _shape(require_published(slug))
    db.session.expunge_all()
    whole = _shape(_one_by_one(slug))
    assert lean == whole
    assert lean[4][0][3] == ["brass", "zinc"] and lean[4][2][3] == ["glass"]
    assert [c[2] for c in lean[4][0][2]][:3] == ["Kettle pro 1", "Kettle pro 2", "Kettle pro 0"]


@pytest.mark.parametrize("status", ["draft"])
def test_the_page_loader_refuses_what_readers_cannot_open(session, status):
    comp = factories.comparison(status=status)
    db.session.commit()
    for slug in (comp.slug, "no-such-page"):
        with pytest.raises(ActionError) as refused:
            require_published(slug)
        assert refused.value.status == 404


def test_the_page_loader_opens_an_archived_comparison(session):
    comp = factories.comparison(status="archived")
    db.session.commit()
    assert require_published(comp.slug).id == comp.id


def _discussed(name: str, minutes: int):
    """A comparison with one resolved disagreement, two posts and a pick change."""
    comp = factories.comparison(f"{name}A", f"{name}B")
    at = datetime.now(UTC) - timedelta(minutes=minutes)
    thread = Thread(
        comparison_id=comp.id,
        kind="disagreement",
        status="resolved",
        title=f"{name} thread",
        conclusion=f"{name} concluded",
        conclusion_html=f"<p>{name} concluded</p>",
        resolved_at=at,
    )
    db.session.add(thread)
    db.session.flush()
    for n in range(2):
        db.session.add(
            Post(
                thread_id=thread.id,
                body=f"{name} post {n}",
                body_html=f"<p>{name} post {n}</p>",
                created_at=at + timedelta(seconds=n),
            )
        )
    db.session.add(
        PickChange(
            comparison_id=comp.id,
            from_option_id=comp.options[0].id,
            to_option_id=comp.options[1].id,
            thread_id=thread.id,
            changed_at=at,
        )
    )
    db.session.flush()
    return comp


def test_the_prebuilt_discussion_reads_answer_for_each_comparison(session):
    # Statements built once: a comparison baked into the first one built would show here.
    first, second = _discussed("Oak", 5), _discussed("Elm", 10)
    db.session.commit()
    for comp, name in ((first, "Oak"), (second, "Elm")):
        assert [p.body for p in latest_posts(comp)] == [f"{name} post 1", f"{name} post 0"]
        assert [p.body for p in latest_posts(comp, limit=1)] == [f"{name} post 1"]
        assert latest_posts(comp)[0].thread.title == f"{name} thread"
        assert latest_conclusion(comp.id).conclusion == f"{name} concluded"
        change = latest_pick_change(comp.id)
        assert (change.from_name, change.to_name, change.concluded) == (
            f"{name}A",
            f"{name}B",
            True,
        )
    # Only the second one has a disagreement that is not resolved (locked).
    locked = Thread(comparison_id=second.id, kind="disagreement", status="locked", title="L")
    db.session.add(locked)
    db.session.commit()
    assert current_disagreement(first.id) is None
    assert current_disagreement(second.id).id == locked.id
    bare = factories.comparison()
    db.session.commit()
    assert latest_posts(bare) == []
    assert latest_conclusion(bare.id) is None
    assert latest_pick_change(bare.id) is None


def test_the_prebuilt_spread_statement_counts_each_comparisons_own_ratings(session):
    first, second = factories.comparison(), factories.comparison()
    raters = [factories.established(f"spreadrater{n}") for n in range(3)]
    db.session.flush()
    for comp, importance in ((first, 4), (second, 1)):
        claim = comp.options[0].claims[0]
        for rater in raters[: 3 if comp is first else 2]:
            db.session.add(
                ClaimRating(
                    user_id=rater.id,
                    claim_id=claim.id,
                    comparison_id=comp.id,
                    importance=importance,
                )
            )
    db.session.commit()
    one, two = claim_spreads(first.id), claim_spreads(second.id)
    assert {k: v.counts for k, v in one.items()} == {first.options[0].claims[0].id: (0, 0, 0, 0, 3)}
    assert {k: v.counts for k, v in two.items()} == {
        second.options[0].claims[0].id: (0, 2, 0, 0, 0)
    }


def test_a_spread_strip_s_bars_are_worked_out_once_as_the_template_drew_them():
    # x every 6 units; a bar's height is its share of the tallest times 12, at least 1.5.
    assert Spread((1, 0, 25, 0, 100)).bars == [
        (0, "10.5", "1.5"),
        (6, None, None),
        (12, "9.0", "3.0"),
        (18, None, None),
        (24, "0.0", "12.0"),
    ]
