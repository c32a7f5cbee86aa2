"""The history chart's geometry: each option's community score over time, the weighted
votes beneath, and markers for what happened (pick named, community flips, disagreements,
the editors' switches and edits). templates/verdicts/_chart.svg draws it, autoescaped;
every point and marker is a focusable stop whose <title> says what it shows.

Pure: the caller passes the history points and the events (verdicts/history.py reads
them). Long histories are thinned to at most DRAWN points (history_sample.py), so the SVG
stays small: coordinates are whole units, and markers are <use> of a few shapes."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import datetime, timedelta

from . import history_axis as axis
from .history_sample import choose

# One layout for every screen: the viewBox is narrow enough that the labels, sized in
# static/css/chart.css by the screen's width, stay at least 11 CSS px on a 390 px phone.
WIDTH, HEIGHT = 480, 288
PLOT_L, PLOT_R = 44, 470
LANE_Y = 14  # the markers' row, above the plot
PLOT_T, PLOT_B = 36, 206
VOTES_T, VOTES_B = 226, 254
AXIS_Y = 279  # the date labels' baseline
# The labels' sizes in chart.css (viewBox units): wide screens, phones.
FONT_WIDE, FONT_PHONE, CHAR = 11, 15, 0.62
MAX_POINTS = 200  # versions verdicts.services.page_data reads (the latest ones)
DRAWN = 48  # versions drawn at most
MAX_TICKS = 10
MIN_COLUMN = 6  # viewBox units between two versions' columns
CLUSTER = 12  # markers closer than this (viewBox units) share one stop
KINDS = {  # marker kinds, most telling first (a shared stop shows the first one's shape)
    "switch": "Editors switched pick",
    "disagreement": "Disagreement opened",
    "flip": "Community pick changed",
    "named": "Community pick named",
    "edit": "Page edited",
}


@dataclass
class Point:
    version: int
    computed_at: datetime
    scores: dict[int, float]
    pick: int | None
    state: str = ""
    votes: float = 0.0  # trust-weighted votes counted by this version


@dataclass(frozen=True)
class Event:
    kind: str  # a key of KINDS
    at: datetime
    text: str  # what happened, in words (escaped by the template)


@dataclass
class Series:
    option_id: int
    name: str
    index: int  # the colour: s0 .. s5
    coords: str


@dataclass
class Tick:
    x: int
    text_x: int  # moved in from the edges so the label stays inside the chart
    label: str  # "" when it would touch its neighbour: the tick mark alone
    wide_only: bool  # hidden on phones, where labels are larger


@dataclass
class Stop:
    """A focusable place: a version's column, or a marker (one or more events)."""

    x: int
    kind: str  # "point" or a key of KINDS
    label: str
    left: int = 0  # a column's extent
    width: int = 0
    version: int | None = None


@dataclass
class Chart:
    title: str
    summary: str
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    votes_top: int
    votes_bottom: int
    axis_y: int
    grid: list[tuple[int, int, bool]]  # (y, percent, labelled)
    grid_path: str
    ticks: list[Tick]
    series: list[Series]
    votes_path: str
    votes_peak: str
    stops: list[Stop]
    events: list[tuple[str, Event]]  # (when, event), oldest first: the text alternative
    kinds: list[tuple[str, str]]  # (kind, words) of the markers shown, for the key
    start: datetime
    end: datetime
    points: list[Point]  # the versions drawn
    flips: list[tuple[int, int]]  # (version, x)
    first_version: int
    last_version: int
    marker_bottom: int = PLOT_B
    lane_y: int = LANE_Y
    versions: int = 0  # in the history read, drawn or not
    key: str = ""  # names this layout (and its rendered fragment) in the cache


def points_from_history(rows, limit: int = MAX_POINTS) -> list[Point]:
    """The last ``limit`` versions, oldest first."""
    rows = list(rows)[-limit:]
    return [
        Point(
            r.version,
            r.computed_at,
            {o["option"]: o["score"] for o in r.options},
            r.pick_option_id,
            getattr(r, "state", "") or "",
            float(getattr(r, "weighted_votes", 0) or 0),
        )
        for r in rows
    ]


def flips(points: list[Point]) -> list[Point]:
    """Points where the named community pick changed to another option."""
    out, last = [], None
    for point in points:
        if point.pick is not None and point.pick != last:
            if last is not None:
                out.append(point)
            last = point.pick
    return out


def story(points: list[Point], names: dict[int, str]) -> list[tuple[int, Event]]:
    """The events the history itself tells, with the index of their version: the first
    named community pick, then every change of it."""
    out = []
    named = next((i for i, p in enumerate(points) if p.pick is not None), None)
    if named is not None:
        p = points[named]
        words = f"Community pick first named: {names.get(p.pick, '?')}"
        out.append(
            (
                named,
                Event(
                    "named",
                    axis.as_utc(p.computed_at),
                    words + (f" ({p.state})" if p.state else ""),
                ),
            )
        )
    index = {id(p): i for i, p in enumerate(points)}
    last = points[named].pick if named is not None else None
    for p in flips(points):
        text = f"Community pick changed from {names.get(last, '?')} to {names.get(p.pick, '?')}"
        out.append((index[id(p)], Event("flip", axis.as_utc(p.computed_at), text)))
        last = p.pick
    return out


def _votes(value: float) -> str:
    return f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


def _point_label(p: Point, options, names: dict[int, str]) -> str:
    shares = ", ".join(f"{o.name} {p.scores.get(o.id, 0.0) * 100:.0f}%" for o in options)
    pick = f"pick {names[p.pick]}" if p.pick in names else "no pick"
    votes = _votes(p.votes)
    # No "UTC" here (the key says it): these titles are most of the SVG's bytes.
    moment = axis.when(p.computed_at).removesuffix(" UTC")
    return f"{moment}: {shares} · {votes} vote{'' if votes == '1' else 's'} · {pick}"


def _area(dxs: list[int], ys: list[int]) -> str:
    """The votes area's top edge: of a run of points at one height, only its ends (the
    weighted votes often stay level for a while)."""
    kept = [
        n for n in range(len(ys)) if n in (0, len(ys) - 1) or not (ys[n - 1] == ys[n] == ys[n + 1])
    ]
    return " ".join(f"{dxs[n]} {ys[n]}" for n in kept)


def _ticks(start: datetime, end: datetime, x) -> list[Tick]:
    moments, kind = axis.ticks(start, end, MAX_TICKS)
    out: list[Tick] = []
    wide_end = phone_end = -1e9
    for n, moment in enumerate(moments):
        label = axis.tick_label(moment, kind, first=n == 0)
        half_phone = len(label) * CHAR * FONT_PHONE / 2
        tx = x(moment)
        text_x = round(min(max(tx, half_phone + 1), WIDTH - half_phone - 1))
        half_wide = len(label) * CHAR * FONT_WIDE / 2
        fits_wide = text_x - half_wide >= wide_end + 6
        # Phones show the labels that have room for their larger type.
        fits_phone = fits_wide and text_x - half_phone >= phone_end + 10
        if fits_wide:
            wide_end = text_x + half_wide
        if fits_phone:
            phone_end = text_x + half_phone
        out.append(Tick(round(tx), text_x, label if fits_wide else "", not fits_phone))
    return out


def _markers(events: list[Event], x) -> list[Stop]:
    order = list(KINDS)
    placed = sorted(
        ((x(e.at), e) for e in events), key=lambda pair: (pair[0], order.index(pair[1].kind))
    )
    groups: list[list[tuple[float, Event]]] = []
    for pair in placed:
        if groups and pair[0] - groups[-1][0][0] < CLUSTER:
            groups[-1].append(pair)
        else:
            groups.append([pair])
    stops = []
    for group in groups:
        lead = min(group, key=lambda pair: order.index(pair[1].kind))
        label = "; ".join(f"{axis.when(e.at)}: {e.text}" for _, e in group[:4])
        if len(group) > 4:
            label += f"; and {len(group) - 4} more"
        stops.append(Stop(round(lead[0]), lead[1].kind, label))
    return stops


def layout(points: list[Point], options, title: str, events=()) -> Chart | None:
    """Where everything goes, in the SVG's coordinates; None without points."""
    if not points:
        return None
    options = list(options)
    names = {o.id: o.name for o in options}
    times = [axis.as_utc(p.computed_at) for p in points]
    told = story(points, names)
    given = [Event(e.kind, axis.as_utc(e.at), e.text) for e in events]
    everything = [e for _, e in told] + given
    start = min([times[0], *(e.at for e in everything)])
    end = max([times[-1], *(e.at for e in everything)])
    if end - start < timedelta(seconds=20):  # a burst, or one moment: a little room
        room = max((end - start) / 20, timedelta(seconds=1))
        start, end = start - room, end + room
    span = (end - start).total_seconds()

    def x(moment: datetime) -> float:
        return PLOT_L + (PLOT_R - PLOT_L) * (axis.as_utc(moment) - start).total_seconds() / span

    def y(score: float) -> float:
        return PLOT_T + (PLOT_B - PLOT_T) * (1 - min(max(score, 0.0), 1.0))

    # Versions a marker stands on stay drawn: the event's own, or those either side.
    keep = [i for i, _ in told]
    for e in given:
        i = bisect.bisect_right(times, e.at)
        keep += [i - 1, i]
    xs = [x(t) for t in times]
    peak_all = max(p.votes for p in points) or 1.0
    rows = [[p.scores.get(o.id, 0.0) for p in points] for o in options]
    rows.append([p.votes / peak_all for p in points])
    drawn = [points[i] for i in choose(xs, rows, keep, DRAWN)]
    dxs = [round(x(p.computed_at)) for p in drawn]

    series = [
        Series(
            o.id,
            o.name,
            n % 6,
            " ".join(
                f"{dx},{round(y(p.scores.get(o.id, 0.0)))}"
                for dx, p in zip(dxs, drawn, strict=True)
            ),
        )
        for n, o in enumerate(options)
    ]
    peak = max(p.votes for p in drawn)
    height = VOTES_B - VOTES_T

    def vy(votes: float) -> int:
        return round(VOTES_B - height * (votes / peak if peak else 0))

    # A step line: the weighted votes stay what a version counted until the next one.
    # An area, straight between the versions drawn (a step would invent jumps where the
    # thinning left versions out).
    area = _area(dxs, [vy(p.votes) for p in drawn])
    votes_path = f"M{dxs[0]} {VOTES_B}L{area}L{dxs[-1]} {VOTES_B}Z"

    # A column per drawn version, but never narrower than MIN_COLUMN: of versions drawn
    # closer than that, the later one has the column (the table lists them all).
    placed = [
        n for n in range(len(drawn)) if n + 1 == len(drawn) or dxs[n + 1] - dxs[n] >= MIN_COLUMN
    ]
    columns = []
    for k, n in enumerate(placed):
        left = None if k == 0 else (dxs[placed[k - 1]] + dxs[n]) // 2
        right = None if k + 1 == len(placed) else (dxs[n] + dxs[placed[k + 1]]) // 2
        # The ends reach as far out as in, not across an empty stretch of the axis.
        reach = dxs[n] - left if left is not None else (right or dxs[n] + 10) - dxs[n]
        left = max(PLOT_L, dxs[n] - reach) if left is None else left
        right = min(PLOT_R, dxs[n] + reach) if right is None else right
        p = drawn[n]
        columns.append(
            Stop(
                dxs[n],
                "point",
                _point_label(p, options, names),
                left,
                max(right - left, 2),
                p.version,
            )
        )
    markers = _markers(everything, x)
    # Keyboard order is time order; a marker comes before the column it stands in.
    stops = sorted(columns + markers, key=lambda s: (s.x, s.kind == "point"))

    grid = [(round(y(t / 100)), t, t in (0, 50, 100)) for t in (100, 75, 50, 25, 0)]
    ticks = _ticks(start, end, x)
    grid_path = "".join(f"M{PLOT_L} {gy}H{PLOT_R}" for gy, _, _ in grid)
    grid_path += f"M{PLOT_L} {VOTES_B}H{PLOT_R}"
    shown = {s.kind for s in markers}
    told_flips = [(p.version, round(x(p.computed_at))) for p in flips(points)]
    return Chart(
        title=title,
        summary=(
            f"From {axis.day(start)} to {axis.day(end)} (UTC): {len(points)} versions of the "
            f"community verdict, {len(drawn)} drawn, and {len(everything)} events marked."
        ),
        width=WIDTH,
        height=HEIGHT,
        left=PLOT_L,
        right=PLOT_R,
        top=PLOT_T,
        bottom=PLOT_B,
        votes_top=VOTES_T,
        votes_bottom=VOTES_B,
        axis_y=AXIS_Y,
        grid=grid,
        grid_path=grid_path,
        ticks=ticks,
        series=series,
        votes_path=votes_path,
        votes_peak=_votes(peak),
        stops=stops,
        events=[(axis.when(e.at), e) for e in sorted(everything, key=lambda e: e.at)],
        kinds=[(kind, words) for kind, words in KINDS.items() if kind in shown],
        start=start,
        end=end,
        points=drawn,
        flips=told_flips,
        first_version=points[0].version,
        last_version=points[-1].version,
        versions=len(points),
    )
