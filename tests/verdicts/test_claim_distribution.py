"""Each claim's spread of counted ratings over 0-4 (one grouped statement for the whole
page) and the "what matters most" order of pros and cons, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests import factories
from webapp.extensions import db
from webapp.verdicts.spread import Spread, claim_spreads
from webapp.voting.services import rate_claim


def rate(comp, claim, *levels: int) -> list:
    members = [factories.established() for _ in levels]
    for member, level in zip(members, levels, strict=True):
        rate_claim(member, comp, claim.id, level)
    return members


def test_the_spread_counts_the_counted_ratings_at_each_level(session):
    comp = factories.comparison("Kettle", "Stove", pros=1, cons=1)
    pro, con = comp.options[0].pros[0], comp.options[1].cons[0]
    raters = rate(comp, pro, 0, 2, 2, 2, 3, 3, 3, 3, 4, 4)
    # A suspended rater's rating is not counted by the verdict, nor here.
    raters[0].suspended_at = datetime.now(UTC)
    rate(comp, con, 1)
    db.session.flush()

    spreads = claim_spreads(comp.id)
    assert spreads[pro.id].counts == (0, 0, 3, 4, 2)
    assert spreads[pro.id].total == 9
    assert spreads[con.id].counts == (0, 1, 0, 0, 0)
    assert set(spreads) == {pro.id, con.id}  # unrated claims are absent, not all zeros
    assert spreads[pro.id].text.endswith("0: 0 · 1: 0 · 2: 3 · 3: 4 · 4: 2")
    assert spreads[pro.id].heights == [0, 0, 0.75, 1, 0.5]


def test_an_empty_spread_has_no_tallest_bar():
    assert Spread((0, 0, 0, 0, 0)).heights == [0, 0, 0, 0, 0]


@pytest.mark.parametrize("claims", [1, 20])
def test_one_statement_reads_the_spreads_of_every_claim(session, count_queries, claims):
    comp = factories.comparison("Kettle", "Stove", pros=claims, cons=0)
    for claim in comp.options[0].pros:
        rate(comp, claim, 3)
    comp_id = comp.id  # read before counting: the recompute's commit expired the row
    with count_queries() as statements:
        spreads = claim_spreads(comp_id)
    assert len(statements) == 1, statements.report()
    assert len(spreads) == claims


def test_the_page_draws_five_bars_with_their_numbers_in_words(client):
    comp = factories.comparison("Kettle", "Stove", pros=1, cons=1)
    pro, con = comp.options[0].pros[0], comp.options[1].cons[0]
    rate(comp, pro, 1, 3, 3)
    html = client.get(f"/compare/{comp.slug}").get_data(as_text=True)
    strip = html[html.index(f'data-claim-spread="{pro.id}"') :]
    strip = strip[: strip.index("</span>\n    </span>") + len("</span>")]
    words = "Ratings counted by importance (0 to 4): 0: 0 · 1: 1 · 2: 0 · 3: 2 · 4: 0"
    assert f'<span class="visually-hidden">{words}</span>' in strip
    assert strip.count('class="spread-base"') == 5
    assert strip.count('class="spread-bar"') == 2  # only the levels someone chose
    assert f'data-claim-spread="{con.id}"' not in html  # nobody rated it: no strip


def positions(html: str, texts: list[str]) -> list[int]:
    return [html.index(f": </span>{text}") for text in texts]


@pytest.mark.parametrize("raw", [None, "page", "WEIGHT", "bogus", "x" * 5000, ""])
def test_the_editors_order_is_the_default_for_any_other_value(client, raw):
    comp = factories.comparison("Kettle", "Stove", pros=3, cons=0)
    first, _, third = comp.options[0].pros
    rate(comp, third, 4, 4)
    rate(comp, first, 0, 0)
    query = "" if raw is None else f"?claims={raw}"
    response = client.get(f"/compare/{comp.slug}{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    found = positions(html, ["Kettle pro 0", "Kettle pro 1", "Kettle pro 2"])
    assert found == sorted(found)
    assert 'claims=page#options" aria-current="true">Editors’ order<' in html
    assert 'claims=weight#options">What matters most<' in html


def test_what_matters_most_first_and_unrated_claims_last(client):
    comp = factories.comparison("Kettle", "Stove", pros=4, cons=2)
    unrated, low, high, middle = comp.options[0].pros
    rate(comp, low, 0, 1)
    rate(comp, high, 4, 4)
    rate(comp, middle, 2, 3)
    con_unrated, con_rated = comp.options[0].cons
    rate(comp, con_rated, 3)
    html = client.get(f"/compare/{comp.slug}?claims=weight").get_data(as_text=True)
    found = positions(html, [c.text for c in (high, middle, low, unrated)])
    assert found == sorted(found)
    found = positions(html, [con_rated.text, con_unrated.text])
    assert found == sorted(found)
    assert 'claims=weight#options" aria-current="true">What matters most<' in html
    # The other option, nobody rated: its claims keep the editors' order.
    found = positions(html, ["Stove pro 0", "Stove pro 1", "Stove pro 2", "Stove pro 3"])
    assert found == sorted(found)
