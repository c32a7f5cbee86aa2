"""The live poll's claims (/compare/<slug>/community): each claim's spread of ratings drawn
by the page's own template, and the "what matters most" order the page's ?claims=weight
shows, so a page can follow the card in place. On SQLite and PostgreSQL."""

from __future__ import annotations

from tests import factories
from webapp.extensions import db
from webapp.verdicts.models import CommunityVerdict
from webapp.voting.services import rate_claim


def rate(comp, claim, *levels: int) -> None:
    for level in levels:
        rate_claim(factories.established(), comp, claim.id, level)


def poll(client, comp, etag: str | None = None):
    headers = {"If-None-Match": etag} if etag else {}
    return client.get(f"/compare/{comp.slug}/community", headers=headers)


def page_order(html: str, texts: list[str]) -> list[str]:
    """``texts`` in the order the page lists them."""
    return sorted(texts, key=lambda text: html.index(f": </span>{text}"))


def test_each_spread_is_the_strip_the_page_draws(client):
    comp = factories.comparison("Kettle", "Stove", pros=2, cons=1)
    rated, unrated = comp.options[0].pros
    rate(comp, rated, 1, 3, 3)
    state = poll(client, comp).get_json()
    html = client.get(f"/compare/{comp.slug}").get_data(as_text=True)

    claim_ids = {str(c.id) for o in comp.options for c in o.claims}
    assert set(state["spreads"]) == claim_ids  # every claim, rated or not
    strip = state["spreads"][str(rated.id)]
    assert strip.startswith(f'<span class="claim-spread" data-claim-spread="{rated.id}"')
    assert strip in html  # the very markup of the page, not a copy in JavaScript
    assert 'data-counts="0,1,0,2,0"' in strip
    words = "Ratings counted by importance (0 to 4): 0: 0 · 1: 1 · 2: 0 · 3: 2 · 4: 0"
    assert f'<span class="visually-hidden">{words}</span>' in strip
    assert state["spreads"][str(unrated.id)] == ""  # nothing counted: no strip
    assert state["claims"][str(rated.id)]["label"].startswith("crowd: ")


def test_the_order_is_the_pages_what_matters_most(client):
    comp = factories.comparison("Kettle", "Stove", pros=4, cons=2)
    unrated, low, high, middle = comp.options[0].pros
    rate(comp, low, 0, 1)
    rate(comp, high, 4, 4)
    rate(comp, middle, 2, 3)
    state = poll(client, comp).get_json()
    html = client.get(f"/compare/{comp.slug}?claims=weight").get_data(as_text=True)

    kettle, stove = comp.options
    order = state["order"][str(kettle.id)]
    assert order["pros"] == [high.id, middle.id, low.id, unrated.id]
    by_id = {c.id: c.text for c in kettle.pros}
    assert [by_id[i] for i in order["pros"]] == page_order(html, list(by_id.values()))
    # Nobody rated these: the editors' order, as on the page.
    assert order["cons"] == [c.id for c in kettle.cons]
    assert state["order"][str(stove.id)]["pros"] == [c.id for c in stove.pros]
    assert 'data-claim-order="weight"' in html


def test_a_new_verdict_brings_the_new_spread_and_order(client):
    comp = factories.comparison("Kettle", "Stove", pros=2, cons=0)
    first, second = comp.options[0].pros
    rate(comp, first, 3)
    before = poll(client, comp)
    etag = before.headers["ETag"]
    assert before.get_json()["order"][str(comp.options[0].id)]["pros"] == [first.id, second.id]
    assert poll(client, comp, etag).status_code == 304  # nothing new stored

    rate(comp, second, 4, 4)  # each rating is recomputed and stored (eager in tests)
    after = poll(client, comp, etag)
    assert after.status_code == 200 and after.headers["ETag"] != etag
    state = after.get_json()
    assert state["order"][str(comp.options[0].id)]["pros"] == [second.id, first.id]
    assert 'data-counts="0,0,0,0,2"' in state["spreads"][str(second.id)]
    stored = db.session.get(CommunityVerdict, comp.id).claims[str(second.id)]
    label = f"crowd: {stored['community']:.1f}/4 · {stored['weight']:.1f} weighted ratings"
    assert state["claims"][str(second.id)]["label"] == label
