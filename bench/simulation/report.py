"""Aggregating the cells into the published tables (markdown)."""

from __future__ import annotations

import statistics
from collections import defaultdict

from webapp.integrity.brigade import HoldRules

from .attacks import STRATEGIES
from .runner import Cell

TARGET_RATIO = 0.05  # (a)-(c) at 20%: Crowdpick flips at most 5% of what the majority flips
TARGET_SURGE = 0.10  # honest surges held at most 10% of the time
TARGET_SIZE = 0.20
MIN_BURST = HoldRules().min_burst


def group(cells: list[Cell]) -> dict[tuple[str, float], list[Cell]]:
    out = defaultdict(list)
    for cell in cells:
        out[cell.strategy, cell.size].append(cell)
    return dict(out)


def share(values) -> float:
    values = list(values)
    return sum(values) / len(values) if values else 0.0


def pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def ratio(crowd: float, naive: float) -> float | None:
    return crowd / naive if naive else None


def fmt_ratio(r: float | None) -> str:
    return "n/a" if r is None else f"{r:.3f}"


def attack_row(strategy: str, size: float, cells: list[Cell]) -> dict:
    votes = sum(c.votes for c in cells)
    honest = sum(c.voters for c in cells)
    row = {
        "strategy": strategy,
        "size": size,
        "n": len(cells),
        "naive": share(c.naive_flip[0] for c in cells),
        "crowd": share(c.crowd_flip[0] for c in cells),
        "naive_cool": share(c.naive_flip[1] for c in cells),
        "crowd_cool": share(c.crowd_flip[1] for c in cells),
        "held_votes": sum(c.held for c in cells) / votes if votes else 0.0,
        "episodes": share(c.ever_held > 0 for c in cells),
        "honest_held": sum(c.honest_held for c in cells) / honest,
        "days": statistics.median(c.days for c in cells),
        "accounts": statistics.median(c.accounts for c in cells),
        "prefixes": statistics.median(c.prefixes for c in cells),
        "flips": sum(c.crowd_flip[0] for c in cells),
        # Crowdpick flips by brigades too small to be a surge (fewer than min_burst votes)
        "small_flips": sum(c.crowd_flip[0] and c.votes < MIN_BURST for c in cells),
        # ... and by an honest vote held along with the brigade
        "collateral_flips": sum(
            c.crowd_flip[0] and c.votes >= MIN_BURST and c.honest_held > 0 for c in cells
        ),
    }
    row["ratio"] = ratio(row["crowd"], row["naive"])
    row["ratio_cool"] = ratio(row["crowd_cool"], row["naive_cool"])
    return row


def surge_row(size: float, cells: list[Cell]) -> dict:
    votes = sum(c.votes for c in cells)
    return {
        "size": size,
        "n": len(cells),
        "held_any": share(c.ever_held > 0 for c in cells),
        "held_votes": sum(c.ever_held for c in cells) / votes if votes else 0.0,
        "flip": share(c.crowd_flip[0] for c in cells),
        "accounts": statistics.median(c.accounts for c in cells),
    }


def attack_table(rows: list[dict]) -> list[str]:
    lines = [
        "| strategy | size | accounts (median) | naive flips | Crowdpick flips | ratio "
        "| votes held | attacks held (episode) | honest votes held "
        "| naive flips, +72 h | Crowdpick flips, +72 h unmoderated | ratio, +72 h "
        "| attacker's cost (median): days / accounts / /24s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        cost = f"{r['days']:.1f} / {r['accounts']:g} / {r['prefixes']:g}"
        lines.append(
            f"| ({r['strategy']}) {STRATEGIES[r['strategy']]} | {r['size']:.0%} "
            f"| {r['accounts']:g} | {pct(r['naive'])} | {pct(r['crowd'])} "
            f"| {fmt_ratio(r['ratio'])} | {pct(r['held_votes'])} | {pct(r['episodes'])} "
            f"| {pct(r['honest_held'])} | {pct(r['naive_cool'])} | {pct(r['crowd_cool'])} "
            f"| {fmt_ratio(r['ratio_cool'])} | {cost} |"
        )
    return lines


def surge_table(rows: list[dict]) -> list[str]:
    lines = [
        "| organic surge size | new accounts (median) | surges held (any vote) "
        "| surge votes held | Crowdpick outcome changed by the surge |",
        "|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['size']:.0%} | {r['accounts']:g} | {pct(r['held_any'])} "
            f"| {pct(r['held_votes'])} | {pct(r['flip'])} |"
        )
    return lines


def summarise(cells: list[Cell]) -> tuple[list[dict], list[dict]]:
    groups = group(cells)
    attacks = [attack_row(s, z, cs) for (s, z), cs in sorted(groups.items()) if s != "surge"]
    surges = [surge_row(z, cs) for (s, z), cs in sorted(groups.items()) if s == "surge"]
    return attacks, surges


def targets(attacks: list[dict], surges: list[dict]) -> list[tuple[str, bool, str]]:
    out = []
    for r in attacks:
        if r["strategy"] in "abc" and abs(r["size"] - TARGET_SIZE) < 1e-9:
            ok = r["ratio"] is not None and r["ratio"] <= TARGET_RATIO
            out.append(
                (
                    f"({r['strategy']}) at 20%: Crowdpick flips <= 5% of the naive majority's",
                    ok,
                    f"{pct(r['crowd'])} vs {pct(r['naive'])}, ratio {fmt_ratio(r['ratio'])}",
                )
            )
    worst = max(surges, key=lambda r: r["held_any"]) if surges else None
    if worst:
        out.append(
            (
                "honest organic surges held <= 10% of the time (every size)",
                worst["held_any"] <= TARGET_SURGE,
                f"worst {pct(worst['held_any'])} at {worst['size']:.0%}",
            )
        )
    return out
