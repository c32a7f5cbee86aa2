"""Presentation outside the views: the card's states, the worked example (the history chart
has tests/verdicts/test_chart.py); and the pages whose words must be true (About, 404s,
the flag queue's order)."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from tests import factories
from tests.helpers import sign_in
from webapp.accounts.trust import TrustRules
from webapp.core.errors import NOT_FOUND
from webapp.discussions import moderation
from webapp.discussions import services as discussions
from webapp.discussions.models import Flag
from webapp.extensions import db
from webapp.scoring.verdict import Params, compute
from webapp.verdicts import presenting


def test_a_card_of_an_unknown_state_is_an_error_not_a_lean():
    options = [SimpleNamespace(id=1, name="A"), SimpleNamespace(id=2, name="B")]
    stored = SimpleNamespace(
        version=3,
        options=[],
        state="bogus",
        pick_option_id=2,
        confidence=0.7,
        counted_votes=9,
        weighted_votes=9.0,
    )
    with pytest.raises(ValueError, match="bogus"):
        presenting.card(stored, options, 1, None, Params())


def test_the_worked_example_is_the_scoring_code_with_the_given_parameters():
    params = Params(claim_weight=0.5)
    example = presenting.worked_example(params, TrustRules())
    again = compute([1, 2], example["totals"], 26, [c for c, _ in example["claims"]], params)
    assert example["result"] == again
    assert example["words"] == presenting.confidence_words(again.confidence)
    assert [label for label, _ in example["trust"]][0] == "a brand-new account"


def test_the_about_page_says_what_members_can_do_now(client):
    html = client.get("/about").text
    assert "will be able to" not in html
    assert "Members vote for the option they would pick" in html
    assert 'href="/how-scores-work"' in html and 'href="/disagreements"' in html


def test_an_unknown_address_gets_the_helpful_404_in_html_and_json(client):
    page = client.get("/no/such/address")
    assert page.status_code == 404 and NOT_FOUND in page.text
    assert "requested URL was not found" not in page.text
    as_json = client.get("/no/such/address", headers={"Accept": "application/json"})
    assert as_json.status_code == 404 and as_json.get_json()["message"] == NOT_FOUND


def test_the_flag_queue_lists_open_flags_oldest_first(client, session):
    author = factories.user()
    first = discussions.do_disagree(author, factories.comparison(), "First point.")
    second = discussions.do_disagree(author, factories.comparison(), "Second point.")
    moderation.do_flag(factories.user(), second, "spam")
    moderation.do_flag(factories.user(), first, "abuse")
    moderation.do_flag(factories.user(), second, "off-topic")
    older = db.session.query(Flag).filter_by(reason="abuse").one()
    older.created_at = older.created_at - timedelta(hours=1)
    db.session.commit()
    sign_in(client, factories.user(role="moderator"))
    html = client.get("/moderation/flags").text
    assert "Open flags, oldest first." in html
    order = [html.index(f"<strong>{r}</strong>") for r in ("abuse", "spam", "off-topic")]
    assert order == sorted(order)
