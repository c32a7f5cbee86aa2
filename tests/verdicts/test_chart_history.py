"""The history chart's events, read from the database on both engines (verdicts/history.py)
through the real services: a disagreement opened, an editor's save that switches the pick
(a pick change and a revision), a resolution that switches it back; and the page that
shows them as markers."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests import factories
from webapp.catalog import revisions
from webapp.discussions import moderation
from webapp.discussions.services import open_disagreement_thread
from webapp.editor import content
from webapp.extensions import db
from webapp.verdicts import chart, history
from webapp.verdicts.models import CommunityVerdict, VerdictHistory


def add_history(comp, n: int = 6) -> None:
    kettle, stove = comp.options[0], comp.options[1]
    start = datetime.now(UTC) - timedelta(days=3)
    for v in range(1, n + 1):
        share = 0.4 + 0.04 * v
        db.session.add(
            VerdictHistory(
                comparison_id=comp.id,
                version=v,
                computed_at=start + timedelta(hours=8 * v),
                state="leaning",
                pick_option_id=(kettle if share > 0.5 else stove).id,
                confidence=0.7,
                weighted_votes=float(v * 3),
                options=[
                    {"option": kettle.id, "score": share},
                    {"option": stove.id, "score": 1 - share},
                ],
            )
        )
    # The stored verdict is at version n: the next recompute (the editor's save) is n + 1.
    db.session.add(CommunityVerdict(comparison_id=comp.id, version=n, state="leaning"))
    db.session.flush()


def switch_in_the_editor(editor, comp, to_index: int, message: str) -> None:
    data = revisions.snapshot(comp)
    data["pick"] = comp.options[to_index].id
    data["bottom_line"] = f"{comp.options[to_index].name} wins now."
    content.do_save(
        editor,
        comp,
        data,
        revisions.latest_number(comp.id),
        revisions.digest(revisions.snapshot(comp)),
        message,
    )


def test_the_service_returns_disagreements_switches_and_edits_oldest_first(session):
    comp = factories.comparison("Kettle", "<b>Stove</b>", pick=0)
    editor = factories.established(role="editor")
    assert history.events_of(comp) == []  # nothing happened yet (an import is no edit)
    open_disagreement_thread(comp, None, summary="The community prefers the stove.")
    switch_in_the_editor(editor, comp, 1, "The members were right")
    thread = open_disagreement_thread(comp, None, summary="Still open.")  # the same thread
    moderation.do_resolve(editor, thread, "Kettle after all.", new_pick_id=comp.options[0].id)

    events = history.events_of(comp)
    kinds = [e.kind for e in events]
    # The editor's save that switched the pick is one event: its revision is not an edit too.
    assert sorted(kinds) == ["disagreement", "switch", "switch"]
    assert [e.at for e in events] == sorted(e.at for e in events)
    assert kinds[0] == "disagreement" and kinds[-1] == "switch"
    texts = [e.text for e in events]
    assert (
        f"Editors switched their pick from Kettle to <b>Stove</b> ({editor.username}): "
        "“The members were right”" in texts
    )
    assert (
        f"Editors switched their pick from <b>Stove</b> to Kettle ({editor.username}): "
        "“Kettle after all.”" in texts
    )
    assert not any(t.startswith("Edited by") for t in texts)
    assert any(t.startswith("Disagreement opened: ") for t in texts)
    # The revision that recorded the content before the first edit is not an edit.
    assert revisions.latest_number(comp.id) == 2 and kinds.count("edit") == 0


def test_a_site_edit_without_revisions_still_shows(session):
    comp = factories.comparison("Kettle", "Stove")
    comp.edited_at = datetime.now(UTC) - timedelta(hours=1)
    db.session.flush()
    assert [(e.kind, e.text) for e in history.events_of(comp)] == [("edit", "Edited on the site")]


def test_the_page_marks_the_events_on_the_chart(client, count_queries):
    comp = factories.comparison("Kettle", "Stove", pick=0)
    editor = factories.established(role="editor")
    add_history(comp)
    thread = open_disagreement_thread(comp, None, summary="The community prefers the stove.")
    thread.created_at = datetime.now(UTC) - timedelta(hours=30)  # a day before the switch
    switch_in_the_editor(editor, comp, 1, "Stove it is")
    db.session.commit()
    html = client.get(f"/compare/{comp.slug}").get_data(as_text=True)
    svg = html[
        html.index('<svg class="history-chart"') : html.index("</svg>", html.index("history-chart"))
    ]
    marks = re.findall(r'<use class="mk m-(\w+)"[^>]*tabindex="0"><title>([^<]*)</title>', svg)
    kinds = {kind for kind, _ in marks}
    # The history's own: the first named pick and the flip to Kettle; the database's:
    # the disagreement, and the switch (its save is not listed again as an edit).
    assert {"named", "flip", "disagreement", "switch"} <= kinds
    switch = next(title for kind, title in marks if kind == "switch")
    assert "Editors switched their pick from Kettle to Stove" in switch
    assert "Edited by" not in switch
    assert "UTC" in switch
    # Vote counts over time, and the same events as a list for anyone not seeing the chart.
    assert '<path class="votes" d="M' in svg
    assert "What happened (4 events)" in html and "Disagreement opened: " in html
    columns = re.findall(r'<rect class="pt"[^>]*tabindex="0"><title>([^<]*)</title>', svg)
    # The six versions above (those on a straight stretch left out), and the recompute
    # the editor's save caused.
    assert columns[0].endswith("Kettle 44%, Stove 56% · 3 votes · pick Stove")
    assert any(c.endswith("18 votes · pick Kettle") for c in columns)
    assert columns[-1].endswith("0 votes · no pick") and len(columns) < 7


def test_the_chart_draws_the_stored_history(client):
    """Every version of a short, bendy history is drawn where its scores say, the flips
    are marked at their versions, and each column's title gives the stored numbers."""
    comp = factories.comparison("Kettle", "Stove", pick=0)
    kettle, stove = comp.options
    series = [(0.6, kettle), (0.55, kettle), (0.45, stove), (0.4, stove), (0.52, kettle)]
    start = datetime.now(UTC) - timedelta(hours=10)
    for version, (score, pick) in enumerate(series, start=1):
        db.session.add(
            VerdictHistory(
                comparison_id=comp.id,
                version=version,
                computed_at=start + timedelta(hours=2 * version),
                state="leaning",
                pick_option_id=pick.id,
                confidence=0.7,
                weighted_votes=float(version * 4),
                options=[
                    {"option": kettle.id, "score": score},
                    {"option": stove.id, "score": 1 - score},
                ],
            )
        )
    db.session.add(CommunityVerdict(comparison_id=comp.id, version=5, state="leaning"))
    db.session.commit()
    html = client.get(f"/compare/{comp.slug}").get_data(as_text=True)
    svg = html[
        html.index('<svg class="history-chart"') : html.index("</svg>", html.index("history-chart"))
    ]
    top, bottom = chart.PLOT_T, chart.PLOT_B
    for option, expected in [(kettle, [s for s, _ in series]), (stove, [1 - s for s, _ in series])]:
        coords = re.search(rf'data-option="{option.id}" points="([^"]+)"', svg).group(1)
        ys = [int(pair.split(",")[1]) for pair in coords.split()]
        assert [1 - (y - top) / (bottom - top) for y in ys] == pytest.approx(expected, abs=0.005)
    columns = re.findall(r'<rect class="pt"[^>]*><title>([^<]*)</title>', svg)
    assert [c.split(": ", 1)[1] for c in columns] == [
        "Kettle 60%, Stove 40% · 4 votes · pick Kettle",
        "Kettle 55%, Stove 45% · 8 votes · pick Kettle",
        "Kettle 45%, Stove 55% · 12 votes · pick Stove",
        "Kettle 40%, Stove 60% · 16 votes · pick Stove",
        "Kettle 52%, Stove 48% · 20 votes · pick Kettle",
    ]
    flips = re.findall(r'<use class="mk m-flip"[^>]*><title>([^<]*)</title>', svg)
    assert [f.split("UTC: ")[1] for f in flips] == [
        "Community pick changed from Kettle to Stove",
        "Community pick changed from Stove to Kettle",
    ]
    # The votes beneath: higher (a smaller y) as the weighted votes grow.
    area = re.search(r'<path class="votes" d="M[\d ]+L([\d ]+)L', svg).group(1).split()
    vote_ys = [int(y) for y in area[1::2]]
    assert vote_ys == sorted(vote_ys, reverse=True) and vote_ys[-1] == chart.VOTES_T
    assert "The numbers as a table" in html and "<td>55.0%</td>" in html


def test_a_long_history_is_read_thinned_keeping_every_change(session):
    comp = factories.comparison("Kettle", "Stove", pick=0)
    kettle, stove = (o.id for o in comp.options)
    start = datetime.now(UTC) - timedelta(days=40)
    changes = {137: stove, 138: kettle, 611: stove}  # the pick from that version on

    def pick_at(v):
        return max(((at, p) for at, p in changes.items() if at <= v), default=(0, kettle))[1]

    db.session.execute(
        sa.insert(VerdictHistory),
        [
            {
                "comparison_id": comp.id,
                "version": v,
                "computed_at": start + timedelta(hours=v),
                "state": "too_close" if v == 500 else "leaning",
                "pick_option_id": pick_at(v),
                "confidence": 0.7,
                "weighted_votes": float(v),
                "options": [{"option": kettle, "score": 0.5}, {"option": stove, "score": 0.5}],
            }
            for v in range(1, 1001)
        ],
    )
    points = history.points_of(comp.id, most=100)
    versions = [p.version for p in points]
    assert versions == sorted(versions) and {1, 1000, 137, 138, 611} <= set(versions)
    assert {500, 501} <= set(versions)  # into and out of "too close"
    assert set(range(10, 1001, 10)) <= set(versions) and len(versions) <= 100 + 7
    assert points[-1].votes == 1000.0 and points[0].scores == {kettle: 0.5, stove: 0.5}
