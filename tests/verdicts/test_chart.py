"""The history chart's layout (pure): a dated time axis, markers at their moments, long
histories thinned to a bounded SVG, and what members typed escaped in every tooltip."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import render_template

from webapp.verdicts import chart, history_axis, history_sample

START = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
OPTIONS = [SimpleNamespace(id=1, name="Kettle"), SimpleNamespace(id=2, name="Stove")]
CSS = Path(__file__).resolve().parents[2] / "webapp" / "static" / "css" / "chart.css"


def history(n: int, every=timedelta(hours=1), wobble: float = 0.0, flip_at=None):
    """``n`` versions ``every`` apart: Kettle's share drifts (and wobbles), Stove has the
    rest; the community names Kettle from version 3, and Stove from ``flip_at``."""
    out = []
    for v in range(1, n + 1):
        share = 0.5 + 0.3 * math.sin(v / 40) + wobble * math.sin(v * 1.7)
        pick = None if v < 3 else (2 if flip_at and v >= flip_at else 1)
        out.append(
            chart.Point(v, START + every * (v - 1), {1: share, 2: 1 - share}, pick, "leaning", v)
        )
    return out


def x_of(laid_out, moment: datetime) -> float:
    frac = (moment - laid_out.start) / (laid_out.end - laid_out.start)
    return laid_out.left + (laid_out.right - laid_out.left) * frac


@pytest.mark.parametrize(
    "span, unit",
    [
        (timedelta(seconds=40), "seconds"),
        (timedelta(minutes=7), "time"),
        (timedelta(hours=5), "time"),
        (timedelta(days=3), "time"),
        (timedelta(days=20), "week"),
        (timedelta(days=150), "month"),
        (timedelta(days=6 * 365), "year"),
    ],
)
def test_ticks_are_round_ordered_dates_inside_the_span(span, unit):
    end = START + span
    moments, kind = history_axis.ticks(START, end, most=8)
    assert kind == unit and 2 <= len(moments) <= 8
    assert moments == sorted(moments) and len(set(moments)) == len(moments)
    assert all(START <= m <= end and m.tzinfo is not None for m in moments)
    steps = {b - a for a, b in zip(moments, moments[1:], strict=False)}
    if unit in ("seconds", "time", "week"):  # an even step: seconds to hours, or weeks
        assert len(steps) == 1
    if unit == "week":
        assert all(m.weekday() == 0 and (m.hour, m.minute) == (0, 0) for m in moments)
    if unit == "month":
        assert all(m.day == 1 for m in moments)


def test_the_axis_labels_are_dates_in_order():
    laid_out = chart.layout(history(24 * 20), OPTIONS, "t")  # 20 days, hourly
    labelled = [t for t in laid_out.ticks if t.label]
    assert len(labelled) >= 3
    assert all(re.fullmatch(r"\d{1,2} (Jan|Feb|Mar|Apr)", t.label) for t in labelled)
    days = [datetime.strptime(f"{t.label} 2026", "%d %b %Y") for t in labelled]
    assert days == sorted(days)
    assert [t.x for t in laid_out.ticks] == sorted(t.x for t in laid_out.ticks)
    assert all(laid_out.left <= t.x <= laid_out.right for t in laid_out.ticks)
    assert "version" not in repr(labelled)


def test_labels_never_overlap_at_either_size():
    for n, every in [
        (12, timedelta(seconds=1)),
        (50, timedelta(minutes=1)),
        (500, timedelta(hours=7)),
        (90, timedelta(days=9)),
    ]:
        laid_out = chart.layout(history(n, every), OPTIONS, "t")
        for font, shown in [
            (chart.FONT_WIDE, [t for t in laid_out.ticks if t.label]),
            (chart.FONT_PHONE, [t for t in laid_out.ticks if t.label and not t.wide_only]),
        ]:
            boxes = [
                (
                    t.text_x - len(t.label) * chart.CHAR * font / 2,
                    t.text_x + len(t.label) * chart.CHAR * font / 2,
                )
                for t in shown
            ]
            assert shown, (n, every)
            assert all(a[1] < b[0] for a, b in zip(boxes, boxes[1:], strict=False)), boxes
            assert all(a >= 0 and b <= chart.WIDTH for a, b in boxes)


def test_markers_stand_at_their_moments():
    points = history(100, timedelta(hours=6))  # 25 days
    opened = START + timedelta(days=4, hours=3)
    switched = START + timedelta(days=12)
    edited = START + timedelta(days=19, minutes=20)
    events = [
        chart.Event("disagreement", opened, "Disagreement opened: why"),
        chart.Event("switch", switched, "Editors switched their pick from Kettle to Stove"),
        chart.Event("edit", edited, "Edited by ed: intro"),
    ]
    laid_out = chart.layout(points, OPTIONS, "t", events)
    markers = {s.kind: s for s in laid_out.stops if s.kind != "point"}
    assert set(markers) == {"named", "disagreement", "switch", "edit"}
    for kind, moment in [("disagreement", opened), ("switch", switched), ("edit", edited)]:
        assert markers[kind].x == round(x_of(laid_out, moment)), kind
    assert markers["named"].x == round(x_of(laid_out, points[2].computed_at))
    assert "5 Mar 2026 12:30 UTC: Disagreement opened: why" in markers["disagreement"].label
    assert [k for k, _ in laid_out.kinds] == ["switch", "disagreement", "named", "edit"]
    # Keyboard order is time order.
    assert [s.x for s in laid_out.stops] == sorted(s.x for s in laid_out.stops)


def test_an_event_outside_the_versions_widens_the_axis():
    points = history(10)
    later = START + timedelta(days=2)
    laid_out = chart.layout(points, OPTIONS, "t", [chart.Event("edit", later, "Edited")])
    assert laid_out.end == later
    assert [s.x for s in laid_out.stops if s.kind == "edit"] == [laid_out.right]


def test_events_close_together_share_one_stop_that_names_them_all():
    moment = START + timedelta(hours=5)
    events = [
        chart.Event("edit", moment, "Edited by ed: new verdict"),
        chart.Event("switch", moment + timedelta(seconds=1), "Editors switched their pick"),
    ]
    laid_out = chart.layout(history(48), OPTIONS, "t", events)
    shared = [s for s in laid_out.stops if s.kind in ("edit", "switch")]
    assert len(shared) == 1 and shared[0].kind == "switch"  # the more telling shape
    assert "Edited by ed" in shared[0].label and "switched" in shared[0].label


def test_flips_and_the_first_named_pick_come_from_the_history():
    points = history(30, flip_at=20)
    laid_out = chart.layout(points, OPTIONS, "t")
    assert laid_out.flips == [(20, round(x_of(laid_out, points[19].computed_at)))]
    kinds = [e.kind for _, e in laid_out.events]
    assert kinds == ["named", "flip"]
    assert laid_out.events[1][1].text == "Community pick changed from Kettle to Stove"


def test_a_long_history_is_thinned_keeping_first_last_and_every_marker():
    points = history(500, timedelta(minutes=50), wobble=0.08, flip_at=333)
    opened = points[140].computed_at + timedelta(minutes=10)
    laid_out = chart.layout(points, OPTIONS, "t", [chart.Event("disagreement", opened, "x")])
    drawn = [p.version for p in laid_out.points]
    assert len(drawn) <= chart.DRAWN and drawn == sorted(drawn)
    assert {1, 500, 3, 333} <= set(drawn)  # first, last, named, flipped
    assert {141, 142} <= set(drawn)  # either side of the disagreement
    assert laid_out.versions == 500 and laid_out.first_version == 1
    for series in laid_out.series:
        assert len(series.coords.split()) == len(drawn)
        assert re.fullmatch(r"(\d+,\d+ )*\d+,\d+", series.coords)  # whole units


def test_the_thinning_keeps_what_bends_the_line():
    xs = list(range(11))
    flat = [[0.5] * 11]
    assert history_sample.choose(xs, flat, [], 6) == [0, 10]  # nothing to add
    peak = [[0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0]]
    assert history_sample.choose(xs, peak, [], 6)[:4] == [0, 4, 5, 6]
    assert history_sample.choose(xs, peak, [8], 3) == [0, 8, 10]  # the bound holds
    assert history_sample.thin(list(range(100)), 5) == [0, 25, 50, 74, 99]


def test_a_500_version_history_makes_an_svg_under_12_kb(app):
    points = history(500, timedelta(hours=2), wobble=0.05, flip_at=250)
    options = [*OPTIONS, SimpleNamespace(id=3, name="Induction hob")]
    for p in points:
        p.scores[3] = 0.1
    events = [
        chart.Event("disagreement", points[200].computed_at, "Disagreement opened: " + "x" * 60),
        chart.Event("switch", points[300].computed_at, "Editors switched from Kettle to Stove"),
        *[
            chart.Event("edit", points[i].computed_at, "Edited by ed: fix")
            for i in range(0, 500, 50)
        ],
    ]
    laid_out = chart.layout(points, options, "Kettle vs Stove vs Induction hob", events)
    with app.test_request_context():
        html = render_template("verdicts/_chart.svg", chart=laid_out)
    svg = html[html.index("<svg") : html.index("</svg>") + 6]
    # Before: ~60 KB for 200 versions (a circle and title per option and version).
    assert len(svg.encode()) < 12_000, len(svg.encode())
    assert svg.count('tabindex="0"') == len(laid_out.stops) <= chart.DRAWN + 40


def test_what_members_typed_is_escaped_in_every_tooltip(app):
    options = [
        SimpleNamespace(id=1, name='<script>alert("k")</script>'),
        SimpleNamespace(id=2, name="Stove & <b>Oven</b>"),
    ]
    events = [
        chart.Event(
            "disagreement",
            START + timedelta(hours=2),
            'Disagreement opened: <img src=x onerror="a()">',
        )
    ]
    laid_out = chart.layout(history(5), options, "Title with <b>tags</b>", events)
    with app.test_request_context():
        html = render_template("verdicts/_chart.svg", chart=laid_out)
    assert "<script>" not in html and "<b>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(&#34;k&#34;)&lt;/script&gt;" in html
    assert "Stove &amp; &lt;b&gt;Oven&lt;/b&gt; " in html
    assert "Title with &lt;b&gt;tags&lt;/b&gt;" in html
    assert "Disagreement opened: &lt;img src=x onerror=&#34;a()&#34;&gt;" in html


def test_every_stop_is_focusable_and_titled(app):
    laid_out = chart.layout(history(30, flip_at=20), OPTIONS, "t")
    with app.test_request_context():
        html = render_template("verdicts/_chart.svg", chart=laid_out)
    stops = re.findall(
        r'<(rect|use) class="(pt|mk [^"]+)"[^>]*tabindex="0"[^>]*><title>([^<]+)</title>', html
    )
    assert len(stops) == len(laid_out.stops)
    first = next(title for tag, _, title in stops if tag == "rect")
    assert first == "1 Mar 2026 09:30: Kettle 51%, Stove 49% · 1 vote · no pick"


def test_level_votes_keep_only_the_ends_of_the_run(app):
    points = history(12)
    for p in points:
        p.votes = 5 if p.version <= 8 else p.version  # level, then rising
    laid_out = chart.layout(points, OPTIONS, "t")
    area = laid_out.votes_path.split("L")[1].split()
    ys = [int(y) for y in area[1::2]]
    assert ys.count(ys[0]) == 2  # the level run's two ends
    assert ys[-1] == chart.VOTES_T and ys == sorted(ys, reverse=True)
    with app.test_request_context():
        html = render_template("verdicts/_chart.svg", chart=laid_out)
    assert "xmlns" not in html  # inline in HTML, the namespace is implied


def test_the_columns_geometry_in_css_matches_the_layout():
    # The columns' y and height are CSS (written once, not per column).
    css = CSS.read_text()
    assert f"y: {chart.PLOT_T}px; height: {chart.VOTES_B - chart.PLOT_T}px;" in css


def test_no_points_no_chart():
    assert chart.layout([], OPTIONS, "t") is None
