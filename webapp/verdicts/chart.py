"""Server-side SVG chart of each option's community score over the verdict history, with
the moments the community pick changed marked. No JavaScript needed; the page adds a
table with the same numbers as the text alternative."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT, PAD_L, PAD_R, PAD_T, PAD_B = 640, 240, 40, 12, 12, 28
MAX_POINTS = 200


@dataclass
class Point:
    version: int
    computed_at: object
    scores: dict[int, float]
    pick: int | None


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


def render(points: list[Point], options, title: str) -> Markup:
    if not points:
        return Markup("")
    span = max(len(points) - 1, 1)

    def x(i: int) -> float:
        return PAD_L + (WIDTH - PAD_L - PAD_R) * (i / span)

    def y(score: float) -> float:
        return PAD_T + (HEIGHT - PAD_T - PAD_B) * (1 - score)

    parts = [
        f'<svg class="history-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="chart-title" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-title">{escape(title)}</title>',
    ]
    for tick in (0, 0.25, 0.5, 0.75, 1):
        parts.append(
            f'<line class="grid" x1="{PAD_L}" x2="{WIDTH - PAD_R}" y1="{y(tick):.1f}" '
            f'y2="{y(tick):.1f}"/><text class="axis" x="{PAD_L - 6}" y="{y(tick) + 4:.1f}" '
            f'text-anchor="end">{round(tick * 100)}%</text>'
        )
    index = {p.version: i for i, p in enumerate(points)}
    for flip in flips(points):
        fx = x(index[flip.version])
        parts.append(
            f'<line class="flip" data-version="{flip.version}" x1="{fx:.1f}" x2="{fx:.1f}" '
            f'y1="{PAD_T}" y2="{HEIGHT - PAD_B}"><title>Community pick changed at version '
            f"{flip.version}</title></line>"
        )
    for n, option in enumerate(options):
        coords = " ".join(
            f"{x(i):.1f},{y(p.scores.get(option.id, 0.0)):.1f}" for i, p in enumerate(points)
        )
        parts.append(f'<g class="series series-{n % 6}" data-option="{option.id}">')
        parts.append(f'<polyline points="{coords}"/>')
        for i, p in enumerate(points):
            score = p.scores.get(option.id, 0.0)
            parts.append(
                f'<circle cx="{x(i):.1f}" cy="{y(score):.1f}" r="2.5" data-version="{p.version}" '
                f'data-score="{score:.6f}"><title>{escape(option.name)}: {score:.0%} '
                f"(version {p.version})</title></circle>"
            )
        parts.append("</g>")
    parts.append(
        f'<text class="axis" x="{PAD_L}" y="{HEIGHT - 8}">version {points[0].version}</text>'
        f'<text class="axis" x="{WIDTH - PAD_R}" y="{HEIGHT - 8}" text-anchor="end">'
        f"version {points[-1].version}</text></svg>"
    )
    return Markup("".join(parts))
