"""The home page: the Active order, Most contested, the strip, sort abuse, card colours."""

from __future__ import annotations

import re

import pytest

from tests import factories
from tests.pages.helpers import ago, history, post, verdict, vote


def order(html: str, *titles: str) -> list[str]:
    """``titles`` in the order the card list shows them (missing ones left out)."""
    cards = html[html.index('class="card-list"') :]
    found = [t for t in titles if f">{t}</a></h2>" in cards]
    return sorted(found, key=lambda t: cards.index(f">{t}</a></h2>"))


def card(html: str, title: str) -> str:
    start = html.index(f">{title}</a></h2>")
    return html[start : html.index("</li>", start)]


def test_active_puts_the_most_recent_votes_and_posts_first(client):
    people = [factories.established() for _ in range(4)]
    busy = factories.comparison(title="Busy", age_days=40)
    talky = factories.comparison(title="Talky", age_days=30)
    old_crowd = factories.comparison(title="Old crowd", age_days=20)
    factories.comparison(title="Quiet", age_days=0)  # newest, no activity
    for person in people[:3]:
        vote(person, busy, days_ago=1)
    vote(people[0], talky, days_ago=2)
    post(people[1], talky, days_ago=0.5)
    for person in people:  # more votes, but all before the last 7 days
        vote(person, old_crowd, days_ago=9)
    html = client.get("/").get_data(as_text=True)
    # 3 recent votes; 1 vote + 1 post; nothing recent but some activity; nothing at all.
    assert order(html, "Busy", "Talky", "Old crowd", "Quiet") == [
        "Busy",
        "Talky",
        "Old crowd",
        "Quiet",
    ]
    assert 'aria-current="true" class="is-active">Active<' in html
    # A post counts like a vote: one more post puts Talky level with Busy (3 each), and
    # the tie goes to the latest activity.
    post(people[2], talky, days_ago=0.2)
    html = client.get("/").get_data(as_text=True)
    assert order(html, "Busy", "Talky")[0] == "Talky"


def test_most_contested_is_closest_to_a_tie_among_those_with_enough_votes(client):
    close = factories.comparison(title="Close")
    clear = factories.comparison(title="Clear")
    waiting = factories.comparison(title="Waiting")
    lead = factories.comparison(title="Lead", pick=0)
    verdict(close, "too_close", scores=(0.51, 0.49), contest=-0.02)
    verdict(clear, "confident", pick=0, scores=(0.8, 0.2), contest=-0.6, alignment="agrees")
    verdict(waiting, "not_enough_votes", scores=(0.5, 0.5))  # a dead heat, but no verdict
    verdict(lead, "confident", pick=1, scores=(0.3, 0.7), contest=0.4, alignment="disagrees")
    html = client.get("/?sort=contested").get_data(as_text=True)
    assert order(html, "Close", "Clear", "Waiting", "Lead") == ["Close", "Lead", "Clear"]
    # The old measure lives on as "Biggest disagreement": the largest lead over the editors.
    html = client.get("/?sort=disagreement").get_data(as_text=True)
    assert order(html, "Close", "Clear", "Lead")[0] == "Lead"
    assert "Biggest disagreement" in html and "Most contested" in html


def test_the_strip_shows_disagreements_flips_and_close_calls(client):
    against = factories.comparison(title="Against", pick=0)
    flipped = factories.comparison(title="Flipped")
    named = factories.comparison(title="First named")
    tight = factories.comparison(title="Tight")
    verdict(against, "confident", pick=1, scores=(0.2, 0.8), contest=0.6, alignment="disagrees")
    verdict(flipped, "leaning", pick=1, scores=(0.4, 0.6), flipped_at=ago(1))
    history(flipped, 0, 0, 1)  # from one named pick to another: a flip
    verdict(named, "leaning", pick=0, scores=(0.6, 0.4), flipped_at=ago(1))
    history(named, None, 0)  # only the first naming: no flip
    verdict(tight, "too_close", scores=(0.52, 0.48))
    html = client.get("/").get_data(as_text=True)
    strip = html[html.index('class="action-strip"') : html.index('class="sort-tabs"')]
    part = {k: strip[strip.index(f"strip-{k}") :] for k in ("disagreement", "flip", "close")}
    assert "Against" in part["disagreement"].split("</ul>")[0]
    assert "picks Beta" in part["disagreement"].split("</ul>")[0]
    flips = part["flip"].split("</ul>")[0]
    assert "Flipped" in flips and "First named" not in flips
    closes = part["close"].split("</ul>")[0]
    assert "Tight" in closes and "4 points apart" in closes and "Against" not in closes
    # Filtered lists have no strip.
    assert 'class="action-strip' not in client.get("/?q=Tight").get_data(as_text=True)


def test_empty_strip_parts_hide_and_an_empty_strip_is_one_invitation(client):
    tight = factories.comparison(title="Tight")
    factories.comparison(title="Nothing yet")
    html = client.get("/").get_data(as_text=True)
    assert "No disagreements, flips or close calls yet" in html
    assert "strip-flip" not in html and "strip-close" not in html
    verdict(tight, "too_close", scores=(0.5, 0.5))
    html = client.get("/").get_data(as_text=True)
    assert "strip-close" in html and "dead heat" in html
    assert "strip-flip" not in html and "strip-disagreement" not in html
    assert "No disagreements, flips or close calls yet" not in html


@pytest.mark.parametrize(
    "sort", ["bogus", "x" * 10_000, "%00", "newest%00", "contested%00", "../../etc", "1e309"]
)
def test_any_sort_parameter_gives_the_default_page(client, sort):
    factories.comparison(title="Only one")
    response = client.get(f"/?sort={sort}&sort=flipped")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'aria-current="true" class="is-active">Active<' in html and "Only one" in html


@pytest.mark.parametrize("sort", ["active", "contested", "disagreement", "flipped", "newest"])
def test_every_sort_renders_and_marks_itself(client, sort):
    factories.comparison(title="Only one")
    html = client.get(f"/?sort={sort}").get_data(as_text=True)
    assert re.search(r'aria-current="true" class="is-active">[^<]+<', html)


def test_a_community_pick_that_is_not_the_editors_is_never_green(client):
    stale = factories.comparison(title="Stale", pick=0)
    leaning = factories.comparison(title="Leaning away", pick=0)
    against = factories.comparison(title="Against", pick=0)
    agrees = factories.comparison(title="Agrees", pick=0)
    # "agrees" stored before the editors changed their pick: the card checks the pick.
    verdict(stale, "confident", pick=1, scores=(0.3, 0.7), alignment="agrees", confidence=0.95)
    verdict(leaning, "leaning", pick=1, scores=(0.45, 0.55), confidence=0.7)
    verdict(against, "confident", pick=1, scores=(0.2, 0.8), alignment="disagrees", confidence=0.97)
    verdict(agrees, "confident", pick=0, scores=(0.81, 0.19), alignment="agrees", confidence=0.96)
    html = client.get("/?sort=newest").get_data(as_text=True)
    for title in ("Stale", "Leaning away", "Against"):
        item = card(html, title)
        assert "community-agrees" not in item and "agreement-agrees" not in item, title
    assert 'class="community-line community-disagrees"' in card(html, "Stale")
    assert "Leans away from the editors" in card(html, "Leaning away")
    assert "Disagrees with the editors" in card(html, "Against")
    good = card(html, "Agrees")
    assert 'class="community-line community-agrees"' in good
    assert "Agrees with the editors" in good
    # The pick, its share (the score its bar shows) and the state in words...
    assert re.search(r"community-share\">81%<.*· confident", good, re.S)
    # ...and the confidence only behind "details", never as "(96%)" on the card.
    assert "(96%)" not in good
    assert good.index("96% confidence") > good.index("<details>")


def test_tag_page_cards_follow_the_same_rule(client):
    against = factories.comparison(
        "Vim", "Emacs", title="Editors", pick=0, tags={"Vim": ["editors"]}
    )
    verdict(against, "confident", pick=1, scores=(0.2, 0.8), alignment="agrees")
    html = client.get("/tags/editors").get_data(as_text=True)
    assert "community-disagrees" in html and "community-agrees" not in html
    assert "css/home.css" in html
