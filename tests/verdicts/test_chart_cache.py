"""The history chart from the cache (verdicts/history.py chart_for, the fragment in
templates/verdicts/_why_and_history.html): a signed-in page reuses the stored layout and
its rendered HTML while the verdict's version, the events and the options hold, and
draws again as soon as one of them moves. The page itself stays private."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from tests import factories
from tests.helpers import sign_in
from webapp.accounts.models import User
from webapp.catalog.models import Comparison, Option
from webapp.discussions.services import open_disagreement_thread
from webapp.extensions import db
from webapp.verdicts.models import CommunityVerdict, VerdictHistory


def add_version(comp_id: int, version: int, share: float) -> None:
    kettle, stove = db.session.scalars(
        db.select(Option.id).where(Option.comparison_id == comp_id).order_by(Option.position)
    ).all()
    db.session.add(
        VerdictHistory(
            comparison_id=comp_id,
            version=version,
            computed_at=datetime.now(UTC) - timedelta(hours=20 - version),
            state="leaning",
            pick_option_id=kettle if share > 0.5 else stove,
            confidence=0.7,
            weighted_votes=float(version * 3),
            options=[{"option": kettle, "score": share}, {"option": stove, "score": 1 - share}],
        )
    )
    verdict = db.session.get(CommunityVerdict, comp_id)
    if verdict is None:
        db.session.add(CommunityVerdict(comparison_id=comp_id, version=version, state="leaning"))
    else:
        verdict.version = version
    db.session.commit()


def setup_page(client) -> tuple[int, str]:
    comp = factories.comparison("Kettle", "Stove")
    member = factories.established()
    db.session.commit()
    comp_id, slug = comp.id, comp.slug
    for version, share in ((1, 0.45), (2, 0.6), (3, 0.55)):  # bent: none is thinned out
        add_version(comp_id, version, share)
    sign_in(client, db.session.get(User, member.id))
    return comp_id, f"/compare/{slug}"


def chart_of(client, count_queries, path: str) -> tuple[str, int, str]:
    """(the chart's SVG, the statements the page cost, its Cache-Control)."""
    db.session.commit()
    db.session.remove()
    with count_queries() as statements:
        response = client.get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'name="csrf-token"' in html  # signed in
    start = html.index('<svg class="history-chart"')
    return (
        html[start : html.index("</svg>", start)],
        len(statements),
        response.headers["Cache-Control"],
    )


def columns(svg: str) -> list[str]:
    return re.findall(r"<rect[^>]*><title>([^<]*)</title>", svg)


def test_a_signed_in_page_reuses_the_chart_until_a_new_version(client, count_queries):
    comp_id, path = setup_page(client)
    first, drawn, private = chart_of(client, count_queries, path)
    assert private == "private, no-store" and len(columns(first)) == 3
    again, reused, _ = chart_of(client, count_queries, path)
    assert again == first
    assert reused == drawn - 1  # the history's versions are not read again
    add_version(comp_id, 4, 0.3)
    after, cost, _ = chart_of(client, count_queries, path)
    assert len(columns(after)) == 4 and cost == drawn
    assert columns(after)[-1].endswith("Kettle 30%, Stove 70% · 12 votes · pick Stove")


def test_a_new_event_or_a_renamed_option_redraws_the_chart(client, count_queries):
    comp_id, path = setup_page(client)
    first, _, _ = chart_of(client, count_queries, path)
    assert "m-disagreement" not in first
    comparison = db.session.get(Comparison, comp_id)
    open_disagreement_thread(comparison, None)  # no new verdict version
    db.session.commit()
    marked, _, _ = chart_of(client, count_queries, path)
    assert "m-disagreement" in marked
    db.session.get(Comparison, comp_id).options[0].name = "Electric kettle"
    db.session.commit()
    renamed, _, _ = chart_of(client, count_queries, path)
    assert "Electric kettle 55%" in renamed and "Kettle 55%" not in renamed.replace(
        "Electric kettle", ""
    )
