"""The history chart's geometry: each option's community score over the verdict history,
with the moments the community pick changed. templates/verdicts/_chart.svg draws it
(autoescaped like every template); no JavaScript needed, and the page adds a table with
the same numbers as the text alternative."""

from __future__ import annotations

from dataclasses import dataclass, field

WIDTH, HEIGHT, PAD_L, PAD_R, PAD_T, PAD_B = 640, 240, 40, 12, 12, 28
MAX_POINTS = 200
TICKS = (0, 0.25, 0.5, 0.75, 1)


@dataclass
class Point:
    version: int
    computed_at: object
    scores: dict[int, float]
    pick: int | None


@dataclass
class Dot:
    x: float
    y: float
    version: int
    score: float


@dataclass
class Series:
    option_id: int
    name: str
    index: int  # the colour: series-0 .. series-5
    dots: list[Dot] = field(default_factory=list)

    @property
    def coords(self) -> str:
        return " ".join(f"{d.x:.1f},{d.y:.1f}" for d in self.dots)


@dataclass
class Chart:
    title: str
    width: int
    height: int
    left: int  # the plot's edges
    right: int
    top: int
    bottom: int
    grid: list[tuple[float, int]]  # (y, percent)
    flips: list[tuple[int, float]]  # (version, x)
    series: list[Series]
    first_version: int
    last_version: int


def points_from_history(rows, limit: int = MAX_POINTS) -> list[Point]:
    """The last ``limit`` versions (the chart stays readable on long histories)."""
    rows = list(rows)[-limit:]
    return [
        Point(
            r.version, r.computed_at, {o["option"]: o["score"] for o in r.options}, r.pick_option_id
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


def layout(points: list[Point], options, title: str) -> Chart | None:
    """Where everything goes, in the SVG's coordinates; None without points."""
    if not points:
        return None
    span = max(len(points) - 1, 1)

    def x(i: int) -> float:
        return PAD_L + (WIDTH - PAD_L - PAD_R) * (i / span)

    def y(score: float) -> float:
        return PAD_T + (HEIGHT - PAD_T - PAD_B) * (1 - score)

    index = {p.version: i for i, p in enumerate(points)}
    series = [
        Series(
            option.id,
            option.name,
            n % 6,
            [
                Dot(x(i), y(p.scores.get(option.id, 0.0)), p.version, p.scores.get(option.id, 0.0))
                for i, p in enumerate(points)
            ],
        )
        for n, option in enumerate(options)
    ]
    return Chart(
        title=title,
        width=WIDTH,
        height=HEIGHT,
        left=PAD_L,
        right=WIDTH - PAD_R,
        top=PAD_T,
        bottom=HEIGHT - PAD_B,
        grid=[(y(tick), round(tick * 100)) for tick in TICKS],
        flips=[(f.version, x(index[f.version])) for f in flips(points)],
        series=series,
        first_version=points[0].version,
        last_version=points[-1].version,
    )
