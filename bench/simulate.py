"""`make simulate`: the brigade simulation, with published figures (docs/simulation.md).

Honest comparisons are drawn from stated distributions (bench/simulation/population.py);
five brigade strategies and an honest organic surge are added on top
(bench/simulation/attacks.py) and replayed in time through the real trust weight,
brigade detector and verdict code (bench/simulation/engine.py). Each strategy x size is
measured against a naive one-account-one-vote majority. A sample is replayed through the
database path (recompute_verdict on SQLite) and must agree with the pure path.

    .venv/bin/python bench/simulate.py                 # the published run
    .venv/bin/python bench/simulate.py --worlds 60     # a quick look (doc not written)
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from datetime import date
from multiprocessing import Pool
from pathlib import Path

from simulation import dbcheck, doc, report
from simulation.attacks import brigade, organic_surge
from simulation.engine import Rules
from simulation.population import make_world, rng_for
from simulation.runner import SIZES, SURGE_SIZES, _reads, simulate_world
from simulation.weights import account_weights, honest_weights

from webapp.accounts.trust import TrustRules
from webapp.integrity.brigade import HoldRules

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "simulation.md"
WORLDS = 300

ALL = tuple((s, z) for s in "abcde" for z in SIZES) + tuple(("surge", z) for z in SURGE_SIZES)
FAST20 = tuple((s, 0.2) for s in "abc")
SURGES = tuple(("surge", z) for z in SURGE_SIZES)
PROPOSED = HoldRules(skew=0.9, skew_margin=0.35)

VARIANTS = [
    ("current", "HoldRules(), TrustRules(), Params() as on main", Rules(), ALL),
    ("proposed", "HoldRules(skew=0.9, skew_margin=0.35)", Rules(hold=PROPOSED), ALL),
    (
        "sleepers",
        "proposed + HoldRules(established=0.75): suspicious below 0.75",
        Rules(hold=replace(PROPOSED, established=0.75)),
        tuple(("e", z) for z in SIZES) + FAST20 + SURGES,
    ),
    (
        "drip",
        "proposed + TrustRules(full_after_active_days=30)",
        Rules(hold=PROPOSED, trust=TrustRules(full_after_active_days=30)),
        tuple(("d", z) for z in SIZES) + FAST20 + SURGES,
    ),
]


def simulate(worlds: int, processes: int) -> dict[str, list]:
    variants = tuple((name, rules, cells) for name, _, rules, cells in VARIANTS)
    jobs = [(index, variants) for index in range(worlds)]
    cells = {name: [] for name, *_ in VARIANTS}
    with Pool(processes) as pool:
        for done, result in enumerate(pool.imap(simulate_world, jobs, chunksize=2), 1):
            for name, rows in result.items():
                cells[name].extend(rows)
            if done % 50 == 0:
                print(f"  {done}/{worlds} comparisons", file=sys.stderr, flush=True)
    return cells


def db_samples(cells: list, per_kind: int = 10) -> list:
    """(a) and surges at 20% on comparisons of at most 150 voters; half of the surges
    chosen among those the pure path held, half among those it did not."""
    small = [c for c in cells if c.size == 0.2 and c.voters <= 150]
    picks = [c for c in small if c.strategy == "a"][:per_kind]
    surges = [c for c in small if c.strategy == "surge"]
    picks += [c for c in surges if c.ever_held][: per_kind // 2]
    picks += [c for c in surges if not c.ever_held][: per_kind - per_kind // 2]
    samples = []
    for c in picks:
        world = make_world(c.index)
        code = 1 if c.strategy == "a" else 9
        rng = rng_for(c.index, code, 20)
        if c.strategy == "a":
            extra = brigade(world, "a", 0.2, rng)
        else:
            extra = organic_surge(world, 0.2, rng)
        reads = list(_reads(c.strategy, world, extra))
        samples.append((world, world.honest + extra.ballots, reads, c.strategy))
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worlds", type=int, default=WORLDS, help="comparisons per cell")
    parser.add_argument("--processes", type=int, default=min(os.cpu_count() or 1, 2))
    parser.add_argument("--no-db", action="store_true", help="skip the database sample")
    parser.add_argument("--no-doc", action="store_true", help="do not write the doc")
    args = parser.parse_args()
    started = time.perf_counter()
    print(
        f"Brigade simulation, {date.today()}: {args.worlds} comparisons per cell, "
        f"{args.processes} processes"
    )
    cells = simulate(args.worlds, args.processes)
    variants = []
    for name, label, _, _ in VARIANTS:
        attacks, surges = report.summarise(cells[name])
        checks = report.targets(attacks, surges)
        fast = [c for c in cells[name] if c.strategy == "surge" and c.size == SURGE_SIZES[0]]
        baseline = report.share(c.baseline_held > 0 for c in fast)
        variants.append((name, label, attacks, surges, checks, baseline))
        print(f"\n## {name}: {label}\n")
        print("\n".join(report.attack_table(attacks)))
        print()
        print("\n".join(report.surge_table(surges)))
        print(f"\nhonest-only timelines with any vote held: {report.pct(baseline)}")
        for text, ok, figures in checks:
            print(f"{'TARGET MET' if ok else 'TARGET NOT MET'}: {text}: {figures}")
    agreements = []
    if not args.no_db:
        print("\n## database path (recompute_verdict on SQLite)\n", flush=True)
        agreements = dbcheck.check(db_samples(cells["current"]))
        for a in agreements:
            print(
                f"world {a.world:4d} ({a.kind:5}): held at first read {a.held:3d}; "
                f"same held set {a.same_held}/{a.reads}, same state+pick "
                f"{a.same_verdict}/{a.reads}"
            )
            for line in a.detail:
                print(f"    {line}")
        reads = sum(a.reads for a in agreements)
        same = sum(a.same_held + a.same_verdict for a in agreements)
        print(f"agreement: {same}/{2 * reads} (held sets and verdicts)")
    seconds = time.perf_counter() - started
    print(f"\n{seconds:.0f} s")
    if args.worlds == WORLDS and not args.no_doc:
        text = doc.render(
            {
                "date": date.today().isoformat(),
                "worlds": args.worlds,
                "seconds": seconds,
                "cpus": args.processes,
                "variants": variants,
                "weights": account_weights(),
                "honest": honest_weights(args.worlds),
                "db": agreements,
                "command": "make simulate",
            }
        )
        DOC.write_text(text)
        print(f"wrote {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
