"""One honest number per side: what the community card and the claims say, from real votes
and ratings through the recompute (on SQLite and PostgreSQL), on the page and in the live
JSON the page polls."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from flask import current_app

from tests import factories
from webapp.scoring.verdict import Params
from webapp.verdicts import presenting, services
from webapp.voting.services import cast_vote, rate_claim, withdraw_vote


def crowd(comp, for_first: int, for_second: int) -> list:
    members = [factories.established() for _ in range(for_first + for_second)]
    first, second = comp.options
    for i, member in enumerate(members):
        cast_vote(member, comp, (first if i < for_first else second).id)
    return members


def card(comp) -> presenting.Card:
    return services.card_for(comp)


class Text(HTMLParser):
    """The page's visible text, element by element (hidden attributes, scripts dropped)."""

    def __init__(self):
        super().__init__()
        self.chunks: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if self.skip or tag in ("script", "style", "svg") or "hidden" in dict(attrs):
            self.skip += 1

    def handle_endtag(self, tag):
        if self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip and data.strip():
            self.chunks.append(data.strip())


def percentages_by_option(html: str, names: list[str]) -> dict[str, set[str]]:
    """Every "NN%" on the page outside the history's table, credited to the option named
    closest before it."""
    cut = html.find('class="history-table"')
    parser = Text()
    parser.feed(html if cut < 0 else html[:cut])
    text = " ".join(parser.chunks)
    found: dict[str, set[str]] = {name: set() for name in names}
    for match in re.finditer(r"(\d+(?:\.\d+)?)\s?%", text):
        before = text[: match.start()]
        owner = max(names, key=lambda n: before.rfind(n))
        if before.rfind(owner) >= 0:
            found[owner].add(match.group(1))
    return found


def test_no_votes_then_every_vote_withdrawn_says_no_votes_yet(session):
    comp = factories.comparison("Kettle", "Stove", pick=0)
    fresh = card(comp)
    assert (fresh.headline, fresh.state, fresh.bars) == ("No votes yet", "no_votes", [])
    assert fresh.state_words == "no votes yet" and not fresh.has_votes

    members = crowd(comp, 1, 1)
    voted = card(comp)
    assert voted.state == "not_enough_votes" and len(voted.bars) == 2
    for member in members:
        withdraw_vote(member, comp)
    after = card(comp)
    assert services.get_verdict(comp.id).version > 1  # a stored verdict, with no votes left
    assert (after.headline, after.bars, after.tone) == ("No votes yet", [], "waiting")
    assert after.state_words == "no votes yet"


@pytest.mark.parametrize(
    "split, state, words, headline",
    [
        ((5, 5), "too_close", "too close to call", "Too close to call"),
        ((6, 4), "leaning", "leaning", "Community agrees"),
        ((4, 6), "leaning", "leaning", "Community leans to Stove"),
        ((12, 1), "confident", "confident", "Community agrees"),
        ((1, 12), "confident", "confident", "Community disagrees"),
    ],
)
def test_each_state_in_words_with_one_share_per_option(session, split, state, words, headline):
    comp = factories.comparison("Kettle", "Stove", pick=0)
    crowd(comp, *split)
    shown = card(comp)
    assert (shown.state, shown.state_words, shown.headline) == (state, words, headline)
    assert "%" not in shown.detail  # the only percentages are the options' shares
    if state != "too_close":
        lead = shown.lead
        assert lead is not None and lead.name == ("Kettle" if split[0] > split[1] else "Stove")
        assert lead.percent == round(lead.score * 100)
    else:
        assert shown.lead is None


def test_the_page_never_shows_two_percentages_for_one_option(client):
    comp = factories.comparison("Kettle", "Stove", pick=0)
    crowd(comp, 1, 12)
    html = client.get(f"/compare/{comp.slug}").get_data(as_text=True)
    found = percentages_by_option(html, ["Kettle", "Stove"])
    verdict = services.get_verdict(comp.id)
    assert verdict.confidence > 0.9  # a confidence that, as a percentage, would clash
    shares = {o["option"]: str(round(o["score"] * 100)) for o in verdict.options}
    assert found == {"Kettle": {shares[comp.options[0].id]}, "Stove": {shares[comp.options[1].id]}}
    assert f"{verdict.confidence:.2f}" in html  # behind "Details", on a 0-1 scale
    assert "<summary>Details</summary>" in html


def test_no_bars_before_votes_and_one_invitation_on_a_fresh_page(client):
    comp = factories.comparison("Kettle", "Stove", pick=0)
    html = client.get(f"/compare/{comp.slug}").get_data(as_text=True)
    assert 'class="bars"' not in html and "bar-fill" not in html
    assert html.count('href="#your-pick"') == 1
    # No empty "why" or history sections competing with the invitation.
    assert 'id="why" aria-labelledby="why-heading" hidden' in html
    assert 'id="history-heading"' not in html
    assert "The history chart appears" not in html
    # Nor a "not rated yet" under every claim: one hidden line each, shown once any is rated.
    assert html.count('<span class="claim-weights" hidden>') == 4  # a pro and a con each
    assert html.count('<span class="claim-weights">') == 0


def test_each_claim_shows_the_crowds_weight_and_the_poll_carries_it(client):
    comp = factories.comparison("Kettle", "Stove", pick=0, pros=1, cons=1)
    rated, unrated = comp.options[0].pros[0], comp.options[1].cons[0]
    editor = factories.user(role="editor", age_days=90)
    rate_claim(editor, comp, rated.id, 1)
    members = [factories.established() for _ in range(3)]
    for member in members:
        rate_claim(member, comp, rated.id, 4)
    weight = services.get_verdict(comp.id).claims[str(rated.id)]
    expected = presenting.ClaimWeight(weight["community"], weight["weight"], weight["editors"])
    html = client.get(f"/compare/{comp.slug}").get_data(as_text=True)
    line = html[html.index(f'data-claim-weight="{rated.id}"') :]
    assert expected.label in line[: line.index("</span>\n")]
    assert re.match(r"crowd: \d\.\d/4 · \d+\.\d weighted ratings", expected.label)
    assert f'data-editors-weight="{rated.id}">editors: 1.0/4<' in html
    other = html[html.index(f'data-claim-weight="{unrated.id}"') :]
    assert "crowd: not rated yet" in other[: other.index("</span>\n")]
    assert f'data-editors-weight="{unrated.id}" hidden>' in html
    assert '<span class="claim-weights" hidden>' not in html  # a claim is rated: all shown

    live = client.get(f"/compare/{comp.slug}/community").get_json()
    assert live["claims"][str(rated.id)]["label"] == expected.label
    assert live["claims"][str(rated.id)]["editors_label"] == "editors: 1.0/4"
    assert live["claims"][str(unrated.id)]["label"] == "crowd: not rated yet"
    assert live["claims"][str(unrated.id)]["editors_label"] == ""
    assert "What moves the community score" in live["why"]


def test_the_live_card_says_what_the_page_says(client):
    comp = factories.comparison("Kettle", "Stove", pick=0)
    members = crowd(comp, 1, 12)
    page = client.get(f"/compare/{comp.slug}").get_data(as_text=True)
    live = client.get(f"/compare/{comp.slug}/community").get_json()
    start = page.index('id="community-card"')
    inside = page[page.index(">", start) + 1 : page.index("</section>", start)]
    assert " ".join(inside.split()) == " ".join(live["card"].split())
    assert live["tone"] == "disagrees"
    for member in members:
        withdraw_vote(member, comp)
    after = client.get(f"/compare/{comp.slug}/community").get_json()
    assert ">No votes yet<" in after["card"] and 'class="bars"' not in after["card"]
    assert "0.0 weighted votes" not in after["card"] and "Confidence" not in after["card"]


def test_state_words_for_lists():
    assert presenting.state_words("leaning") == "leaning"
    assert presenting.state_words("too_close") == "too close to call"
    assert presenting.state_words(None) == "no votes yet"


def test_held_votes_alone_are_not_called_votes(app):
    from types import SimpleNamespace

    options = [SimpleNamespace(id=1, name="A"), SimpleNamespace(id=2, name="B")]
    stored = SimpleNamespace(
        version=4, counted_votes=0, weighted_votes=0.0, held_votes=3, claims={}, computed_at=None
    )
    with app.app_context():
        shown = presenting.card(stored, options, 1, None, Params.from_config(current_app.config))
    assert shown.headline == "No votes counted yet" and shown.bars == []


def test_an_archived_comparison_without_votes_invites_nobody(client):
    comp = factories.comparison("Kettle", "Stove", pick=0, status="archived")
    html = client.get(f"/compare/{comp.slug}").get_data(as_text=True)
    assert "No votes were counted before this comparison was archived." in html
    assert 'href="#your-pick"' not in html and "Be one of the first" not in html
