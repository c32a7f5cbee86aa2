"""What readers see of the community verdict: card states, chart, live endpoint, lists."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from tests import factories
from webapp.extensions import db
from webapp.verdicts.models import CommunityVerdict, VerdictHistory


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
            "Not enough votes yet — 4 more established votes needed",
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
    assert 'aria-label="Stove: 60% of the community score"' in card
    if state in ("leaning", "confident"):
        assert f"Confidence <strong>{confidence:.0%}</strong>" in card


def test_no_verdict_yet_shows_the_votes_needed(app, client):
    comp = factories.comparison()
    card = card_html(client, comp)
    established, weight = app.config["SCORE_MIN_ESTABLISHED"], app.config["SCORE_MIN_VOTES"]
    assert (
        f"Not enough votes yet — {established} more established votes and "
        f"{weight:.1f} more weighted votes needed" in card
    )


def test_disagreement_links_to_its_thread(client):
    from webapp.discussions.services import open_disagreement_thread

    comp = factories.comparison("Kettle", "Stove", pick=0)
    thread = open_disagreement_thread(comp, None, summary="x")
    store(comp, "confident", 1, 0.97, alignment="disagrees")
    assert f'href="/threads/{thread.id}">Read why</a>' in card_html(client, comp)


def test_chart_data_equals_the_stored_history(client):
    comp = factories.comparison("Kettle", "Stove", pick=0)
    kettle, stove = comp.options
    series = [(0.6, kettle), (0.55, kettle), (0.45, stove), (0.4, stove), (0.52, kettle)]
    for version, (score, pick) in enumerate(series, start=1):
        db.session.add(
            VerdictHistory(
                comparison_id=comp.id,
                version=version,
                computed_at=datetime.now(UTC) - timedelta(minutes=10 - version),
                state="leaning",
                pick_option_id=pick.id,
                confidence=0.7,
                weighted_votes=float(version),
                options=[
                    {"option": kettle.id, "score": score},
                    {"option": stove.id, "score": 1 - score},
                ],
            )
        )
    store(comp, "leaning", 0, version=5)
    html = client.get(f"/compare/{comp.slug}").get_data(as_text=True)
    chart = html[
        html.index('<svg class="history-chart"') : html.index("</svg>", html.index("history-chart"))
    ]
    for option, expected in [(kettle, [s for s, _ in series]), (stove, [1 - s for s, _ in series])]:
        group = chart[chart.index(f'data-option="{option.id}"') :]
        group = group[: group.index("</g>")]
        points = re.findall(r'data-version="(\d+)" data-score="([\d.]+)"', group)
        assert [int(v) for v, _ in points] == [1, 2, 3, 4, 5]
        assert [float(s) for _, s in points] == pytest.approx(expected, abs=1e-6)
    flips = re.findall(r'<line class="flip" data-version="(\d+)"', chart)
    assert flips == ["3", "5"]  # Kettle → Stove at v3, back to Kettle at v5
    assert "The numbers as a table" in html and "<td>55.0%</td>" in html


def test_live_endpoint_answers_304_until_a_new_verdict(client):
    comp = factories.comparison()
    first = client.get(f"/compare/{comp.slug}/community")
    assert first.status_code == 200 and "Community pick" in first.get_data(as_text=True)
    etag = first.headers["ETag"]
    again = client.get(f"/compare/{comp.slug}/community", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    store(comp, "too_close", None, 0.55)
    changed = client.get(f"/compare/{comp.slug}/community", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert "Too close to call" in changed.get_data(as_text=True)
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
    contested = client.get("/?sort=contested").get_data(as_text=True)
    assert (
        contested.index("Hot A vs Hot B")
        < contested.index("Flip A vs Flip B")
        < contested.index("Calm A vs Calm B")
    )
    recent = client.get("/?sort=flipped").get_data(as_text=True)
    assert recent.index("Flip A vs Flip B") < recent.index("Hot A vs Hot B")
    assert "Calm A vs Calm B" not in recent
    # Each item shows both picks in small.
    item = contested[contested.index("Hot A vs Hot B") :]
    item = item[: item.index("</li>")]
    assert "<dt>Editors</dt><dd>Hot A</dd>" in item and "Hot B (97%)" in item
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
    assert "against the neutral 2 the editors&#39; text implies" in html
    assert (
        "Stove pro 0"
        not in html[html.index('id="why-heading"') : html.index('id="history-heading"')]
    )
