"""Aggregating the cells into the published tables (markdown)."""

from __future__ import annotations

import statistics
from collections import defaultdict

from webapp.integrity.brigade import HoldRules

from .attacks import STRATEGIES
from .runner import READS, Cell

TARGET_RATIO = 0.05  # (a)-(c) at 20%: Crowdpick flips at most 5% of what the majority flips
TARGET_SURGE = 0.10  # honest surges held at most 10% of the time
TARGET_SIZE = 0.20
MIN_BURST = HoldRules().min_burst
FIRST, COOL, LATE = range(len(READS))


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


def _per_read(cells: list[Cell], attr: str) -> list[float]:
    return [share(getattr(c, attr)[j] for c in cells) for j in range(len(READS))]


def why_flipped(cells: list[Cell], j: int) -> dict[str, int]:
    """Crowdpick flips at read j, by cause: a brigade too small to be a surge (fewer than
    min_burst votes), an honest vote held along with it, a brigade never held, one held
    and since released (in part) by the cool-off, or one held whose unheld votes moved
    the verdict anyway."""
    out = {"flips": 0, "small": 0, "collateral": 0, "missed": 0, "released": 0, "partial": 0}
    for c in cells:
        if not c.crowd_flip[j]:
            continue
        out["flips"] += 1
        if c.votes < MIN_BURST:
            out["small"] += 1
        elif c.honest_held[j]:
            out["collateral"] += 1
        elif not c.ever_held:
            out["missed"] += 1
        elif c.held[j] < c.ever_held:
            out["released"] += 1
        else:
            out["partial"] += 1
    return out


def attack_row(strategy: str, size: float, cells: list[Cell]) -> dict:
    votes = sum(c.votes for c in cells)
    honest = sum(c.voters for c in cells)
    row = {
        "strategy": strategy,
        "size": size,
        "n": len(cells),
        "naive": _per_read(cells, "naive_flip"),
        "crowd": _per_read(cells, "crowd_flip"),
        "free": _per_read(cells, "free_flip"),
        "split": _per_read(cells, "split"),
        "naive_target": _per_read(cells, "naive_target"),
        "crowd_target": _per_read(cells, "crowd_target"),
        "free_target": _per_read(cells, "free_target"),
        "held": [sum(c.held[j] for c in cells) / votes for j in range(len(READS))],
        "episodes": share(c.ever_held > 0 for c in cells),
        "honest_held": sum(c.honest_held[FIRST] for c in cells) / honest,
        "days": statistics.median(c.days for c in cells),
        "accounts": statistics.median(c.accounts for c in cells),
        "prefixes": statistics.median(c.prefixes for c in cells),
        "why": [why_flipped(cells, j) for j in range(len(READS))],
        # the established-voters rule made it too_close where, without the rule, the
        # attacker's option would have been named
        "saved": [sum(c.split[j] and c.free_target[j] for c in cells) for j in range(len(READS))],
        "splits": [sum(c.split[j] for c in cells) for j in range(len(READS))],
    }
    row["ratio"] = [ratio(c, n) for c, n in zip(row["crowd"], row["naive"], strict=True)]
    return row


def surge_row(size: float, cells: list[Cell]) -> dict:
    votes = sum(c.votes for c in cells)
    return {
        "size": size,
        "n": len(cells),
        "held_any": share(c.ever_held > 0 for c in cells),
        "held_votes": sum(c.ever_held for c in cells) / votes if votes else 0.0,
        "held": [sum(c.held[j] for c in cells) / votes for j in range(len(READS))],
        "flip": _per_read(cells, "crowd_flip"),
        "split": _per_read(cells, "split"),
        "accounts": statistics.median(c.accounts for c in cells),
    }


def _label(r: dict) -> str:
    return f"({r['strategy']}) {STRATEGIES[r['strategy']]} | {r['size']:.0%}"


def attack_table(rows: list[dict]) -> list[str]:
    lines = [
        "| strategy | size | accounts (median) | naive flips | Crowdpick flips | ratio "
        "| votes held | attacks held (episode) | honest votes held "
        "| naive flips, +72 h | Crowdpick flips, +72 h unmoderated | ratio, +72 h "
        "| votes still held, +72 h | attacker's cost (median): days / accounts / /24s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        cost = f"{r['days']:.1f} / {r['accounts']:g} / {r['prefixes']:g}"
        lines.append(
            f"| {_label(r)} | {r['accounts']:g} | {pct(r['naive'][FIRST])} "
            f"| {pct(r['crowd'][FIRST])} | {fmt_ratio(r['ratio'][FIRST])} "
            f"| {pct(r['held'][FIRST])} | {pct(r['episodes'])} | {pct(r['honest_held'])} "
            f"| {pct(r['naive'][COOL])} | {pct(r['crowd'][COOL])} "
            f"| {fmt_ratio(r['ratio'][COOL])} | {pct(r['held'][COOL])} | {cost} |"
        )
    return lines


def _three(values) -> str:
    return " / ".join(pct(v) for v in values)


def later_table(rows: list[dict]) -> list[str]:
    lines = [
        "| strategy | size | naive flips, +60 d | Crowdpick flips, +60 d | ratio, +60 d "
        "| votes still held, +60 d | attacker's option named, naive: first / +72 h / +60 d "
        "| attacker's option named, Crowdpick | too close by the established-voters rule "
        "| Crowdpick flips without that rule |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {_label(r)} | {pct(r['naive'][LATE])} | {pct(r['crowd'][LATE])} "
            f"| {fmt_ratio(r['ratio'][LATE])} | {pct(r['held'][LATE])} "
            f"| {_three(r['naive_target'])} | {_three(r['crowd_target'])} "
            f"| {_three(r['split'])} | {_three(r['free'])} |"
        )
    return lines


def surge_table(rows: list[dict]) -> list[str]:
    lines = [
        "| organic surge size | new accounts (median) | surges held (any vote) "
        "| surge votes held | still held: +72 h / +60 d "
        "| Crowdpick outcome changed by the surge: first / +72 h / +60 d "
        "| too close by the established-voters rule |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['size']:.0%} | {r['accounts']:g} | {pct(r['held_any'])} "
            f"| {pct(r['held_votes'])} | {pct(r['held'][COOL])} / {pct(r['held'][LATE])} "
            f"| {_three(r['flip'])} | {_three(r['split'])} |"
        )
    return lines


def summarise(cells: list[Cell]) -> tuple[list[dict], list[dict]]:
    groups = group(cells)
    attacks = [attack_row(s, z, cs) for (s, z), cs in sorted(groups.items()) if s != "surge"]
    surges = [surge_row(z, cs) for (s, z), cs in sorted(groups.items()) if s == "surge"]
    return attacks, surges


def baselines(cells: list[Cell]) -> dict:
    """Honest-only timelines (one per comparison): any vote held, too close by the rule."""
    first = {}
    for c in cells:
        first.setdefault(c.index, c)  # every cell of a comparison shares its honest run
    one = list(first.values())
    return {
        "held": share(c.baseline_held > 0 for c in one),
        "split": share(c.baseline_split for c in one),
        "n": len(one),
    }


def targets(attacks: list[dict], surges: list[dict]) -> list[tuple[str, bool, str]]:
    out = []
    for r in attacks:
        if r["strategy"] in "abc" and abs(r["size"] - TARGET_SIZE) < 1e-9:
            for j, when in ((FIRST, "at the first read"), (COOL, "+72 h unmoderated")):
                rj = r["ratio"][j]
                out.append(
                    (
                        f"({r['strategy']}) at 20%, {when}: Crowdpick flips <= 5% of the "
                        "naive majority's",
                        rj is not None and rj <= TARGET_RATIO,
                        f"{pct(r['crowd'][j])} vs {pct(r['naive'][j])}, ratio {fmt_ratio(rj)}",
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
