"""What readers see of the community verdict: card states, live endpoint, lists, "why"."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from tests import factories
from webapp.extensions import db
from webapp.verdicts.models import CommunityVerdict


def store(
    comp,
    state,
    pick_index=None,
    confidence=0.5,
    counted=20,
    needed=0,
    scores=(0.5, 0.5),
    alignment="neutral",
    version=3,
    contest=None,
    flipped_at=None,
):
    options = [
        {
            "option": o.id,
            "vote_total": 1.0,
            "vote_share": s,
            "claim_share": 0.5,
            "score": s,
            "confidence": confidence if i == (pick_index or 0) else 1 - confidence,
        }
        for i, (o, s) in enumerate(zip(comp.options, scores, strict=True))
    ]
    row = CommunityVerdict(
        comparison_id=comp.id,
        version=version,
        computed_at=datetime.now(UTC),
        state=state,
        pick_option_id=comp.options[pick_index].id if pick_index is not None else None,
        confidence=confidence,
        counted_votes=counted,
        weighted_votes=float(counted),
        votes_needed=needed,
        alignment=alignment,
        options=options,
        claims={},
        contest=contest,
        flipped_at=flipped_at,
    )
    db.session.add(row)
    db.session.flush()
    return row


def card_html(client, comp) -> str:
    html = client.get(f"/compare/{comp.slug}").get_data(as_text=True)
    start = html.index('id="community-card"')
    return html[start : html.index("</section>", start)]


@pytest.mark.parametrize(
    "state, pick_index, confidence, needed, headline",
    [
        (
            "not_enough_votes",
            None,
            0.6,
            4,
            "Not enough votes yet",
        ),
        ("too_close", None, 0.55, 0, "Too close to call"),
        ("leaning", 1, 0.72, 0, "Community leans to Stove"),
        ("confident", 0, 0.95, 0, "Community agrees"),
        ("confident", 1, 0.97, 0, "Community disagrees"),
    ],
)
def test_card_states_rendered_from_stored_verdicts(
    client, state, pick_index, confidence, needed, headline
):
    comp = factories.comparison("Kettle", "Stove", pick=0)
    store(comp, state, pick_index, confidence, needed=needed, scores=(0.4, 0.6))
    card = card_html(client, comp)
    assert f">{headline}<" in card
    if state == "not_enough_votes":
        assert "4 more established votes needed to name a community pick." in card
    assert 'aria-label="Stove: 60% of the community score"' in card
    words = {"leaning": "leaning", "confident": "confident"}
    if state in words:
        # The pick, its share (the same number as its bar) and the state in words lead;
        # the confidence sits behind "Details", never as a second percentage.
        lead = "Stove" if pick_index == 1 else "Kettle"
        share = 60 if pick_index == 1 else 40
        assert re.search(
            rf'<span class="figure-pick">{lead}</span> <span class="figure-share">{share}%</span>'
            rf' <span class="state-word state-{state}">{words[state]}</span>',
            card,
        )
        details = card[card.index("<details") : card.index("</details>")]
        assert f"Confidence {confidence:.2f} on a 0–1 scale" in details
    assert not re.search(r"confiden\w*\W+\d+%", card, re.I)


def test_no_verdict_yet_shows_the_votes_needed(app, client):
    comp = factories.comparison()
    card = card_html(client, comp)
    established, weight = app.config["SCORE_MIN_ESTABLISHED"], app.config["SCORE_MIN_VOTES"]
    assert ">No votes yet<" in card
    assert (
        f"{established} more established votes and {weight:.1f} more weighted votes needed" in card
    )
    # No bars (an invented 50/50) and no numbers behind "Details" before anyone voted.
    assert 'class="bars"' not in card and "%" not in card and "<details" not in card
    assert 'href="#your-pick"' in card


def test_disagreement_links_to_its_thread(client):
    from webapp.discussions.services import open_disagreement_thread

    comp = factories.comparison("Kettle", "Stove", pick=0)
    thread = open_disagreement_thread(comp, None, summary="x")
    store(comp, "confident", 1, 0.97, alignment="disagrees")
    assert f'href="/threads/{thread.id}">Read why</a>' in card_html(client, comp)


def test_live_endpoint_answers_304_until_a_new_verdict(client):
    comp = factories.comparison()
    first = client.get(f"/compare/{comp.slug}/community")
    assert first.status_code == 200 and "Community pick" in first.get_json()["card"]
    etag = first.headers["ETag"]
    again = client.get(f"/compare/{comp.slug}/community", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    store(comp, "too_close", None, 0.55)
    changed = client.get(f"/compare/{comp.slug}/community", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert "Too close to call" in changed.get_json()["card"]
    assert changed.get_json()["tone"] == "undecided"
    assert client.get("/compare/nope/community").status_code == 404


def test_home_sorts_by_contest_and_by_flip(client):
    calm = factories.comparison("Calm A", "Calm B")
    hot = factories.comparison("Hot A", "Hot B")
    flipped = factories.comparison("Flip A", "Flip B")
    now = datetime.now(UTC)
    store(calm, "confident", 0, 0.95, contest=-0.3, alignment="agrees")
    store(
        hot,
        "confident",
        1,
        0.97,
        contest=0.4,
        alignment="disagrees",
        flipped_at=now - timedelta(hours=2),
    )
    store(flipped, "leaning", 1, 0.7, contest=0.1, flipped_at=now)
    # The largest lead over the editors is "Biggest disagreement" now (pages tests cover
    # "Most contested", closest to a tie); only the card list counts, not the strip above.
    contested = client.get("/?sort=disagreement").get_data(as_text=True)
    contested = contested[contested.index('class="card-list"') :]
    assert (
        contested.index("Hot A vs Hot B")
        < contested.index("Flip A vs Flip B")
        < contested.index("Calm A vs Calm B")
    )
    recent = client.get("/?sort=flipped").get_data(as_text=True)
    recent = recent[recent.index('class="card-list"') :]
    assert recent.index("Flip A vs Flip B") < recent.index("Hot A vs Hot B")
    assert "Calm A vs Calm B" not in recent
    # Each item shows both picks in small.
    item = contested[contested.index("Hot A vs Hot B") :]
    item = item[: item.index("</li>")]
    assert "<dt>Editors</dt><dd>Hot A</dd>" in item and ">Hot B</strong>" in item
    assert "Disagrees with the editors" in item and "(97%)" not in item
    assert client.get("/?sort=bogus").status_code == 200


def test_empty_sorted_lists(client):
    html = client.get("/?sort=flipped").get_data(as_text=True)
    assert "No flips yet" in html


def test_how_scores_work_computes_its_example_live(app, client):
    html = client.get("/how-scores-work").get_data(as_text=True)
    assert "60–40 gives 0.97698" in html and "51–49 gives 0.57881" in html
    assert "6–4 gives 0.72559" in html
    app.config["SCORE_CLAIM_WEIGHT"] = 0.5
    try:
        changed = client.get("/how-scores-work").get_data(as_text=True)
    finally:
        app.config["SCORE_CLAIM_WEIGHT"] = 0.25
    assert "50% vote share plus 50% pros-and-cons share" in changed
    assert changed != html


def test_why_names_drivers_and_gaps_in_sentences(client):
    comp = factories.comparison("Kettle", "Stove", pick=0)
    kettle_pro = comp.options[0].claims[0]
    stove_con = comp.options[1].cons[0]
    untouched = comp.options[1].pros[0]
    row = store(comp, "leaning", 0, 0.7)
    row.claims = {
        str(kettle_pro.id): {"community": 3.6, "editors": 1.0, "weight": 5.0},
        str(stove_con.id): {"community": 2.9, "editors": None, "weight": 3.0},
        str(untouched.id): {"community": 2.0, "editors": None, "weight": 0.0},
    }
    db.session.flush()
    html = client.get(f"/compare/{comp.slug}").get_data(as_text=True)
    assert (
        "“Kettle pro 0” counts for Kettle a lot: the community rates this pro 3.6 out of 4." in html
    )
    assert "“Stove con 0” counts against Stove somewhat" in html
    assert (
        "The community weighs “Kettle pro 0” (pro of Kettle) more than the editors: "
        "3.6 out of 4 against the editors&#39; 1.0."
    ) in html
    # The editors never rated "Stove con 0": their side is not shown as the prior's 2.
    assert (
        "The community rates “Stove con 0” (con of Stove) 2.9 out of 4; not rated by editors."
    ) in html
    assert "neutral 2" not in html
    why = html[html.index('id="why-heading"') : html.index("</section>", html.index("why-heading"))]
    assert "Stove pro 0" not in why
