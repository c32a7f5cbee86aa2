"""`make simulate`: the brigade simulation, with published figures (docs/simulation.md).

Honest comparisons are drawn from stated distributions (bench/simulation/population.py);
five brigade strategies and an honest organic surge are added on top
(bench/simulation/attacks.py) and replayed in time through the real trust weight,
brigade detector and verdict code (bench/simulation/engine.py). Each strategy x size is
measured against a naive one-account-one-vote majority. A sample is replayed through the
database path (recompute_verdict on SQLite) and must agree with the pure path.

    .venv/bin/python bench/simulate.py                 # the published run
    .venv/bin/python bench/simulate.py --worlds 60     # a quick look (doc not written)
    .venv/bin/python bench/simulate.py --worlds 60 --out /tmp/sim.md   # ... with a doc
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date
from multiprocessing import Pool
from pathlib import Path

from simulation import dbcheck, doc, report
from simulation.attacks import brigade, organic_surge
from simulation.engine import Rules
from simulation.population import make_world, rng_for
from simulation.runner import SIZES, SURGE_SIZES, _code, _reads, simulate_world
from simulation.weights import account_weights, honest_weights

from webapp.accounts.trust import TrustRules

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "simulation.md"
WORLDS = 300

ALL = tuple((s, z) for s in "abcde" for z in SIZES) + tuple(("surge", z) for z in SURGE_SIZES)

# (name, label, Rules, cells). The first is the published one: the defaults of webapp/
# (HoldRules(), TrustRules(), Params(), the 72 h cool-off that releases only accounts that
# weigh at least HOLD_ESTABLISHED, the detector's own bar). The second is the rule before
# that change, for comparison.
VARIANTS = [
    ("current", "HoldRules(), TrustRules(), Params(): the defaults in webapp/", Rules(), ALL),
    (
        "release at 0.5",
        "the cool-off released accounts from the verdict's established weight (0.5), "
        "the rule before this change",
        Rules(release_at=TrustRules().established),
        (("b", 0.2), ("c", 0.2), ("e", 0.2), ("surge", 0.1), ("surge", 0.4)),
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


def db_samples(cells: list, per_kind: int = 5, released: int = 3) -> list:
    """(a), (b), (e) and surges at 20% on comparisons of at most 150 voters: brigades the
    pure path held (none of their accounts reaches HOLD_ESTABLISHED, so they stay held
    through every read), half of the surges chosen among those it held, half among those
    it did not; then up to ``released`` more comparisons (distinct ones) where the
    cool-off did release votes (honest votes held along with a brigade, whose accounts
    reach the bar), so that release_cooled_off itself is replayed."""
    small = [c for c in cells if c.size == 0.2 and c.voters <= 150]
    picks = []
    for strategy in "abe":
        picks += [c for c in small if c.strategy == strategy and c.ever_held][:per_kind]
    surges = [c for c in small if c.strategy == "surge"]
    picks += [c for c in surges if c.ever_held][: per_kind // 2 + 1]
    picks += [c for c in surges if not c.ever_held][: per_kind - per_kind // 2 - 1]
    chosen = {(c.index, c.strategy) for c in picks}
    worlds = {c.index for c in picks if c.releases}
    for c in small:
        if len(worlds) >= released:
            break
        if c.releases and c.index not in worlds and (c.index, c.strategy) not in chosen:
            picks.append(c)
            worlds.add(c.index)
    samples = []
    for c in picks:
        world = make_world(c.index)
        rng = rng_for(c.index, _code(c.strategy), 20)
        if c.strategy == "surge":
            extra = organic_surge(world, 0.2, rng)
        else:
            extra = brigade(world, c.strategy, 0.2, rng)
        reads = list(_reads(c.strategy, world, extra))
        samples.append((world, world.honest + extra.ballots, reads, c.strategy))
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worlds", type=int, default=WORLDS, help="comparisons per cell")
    parser.add_argument("--processes", type=int, default=min(os.cpu_count() or 1, 2))
    parser.add_argument("--no-db", action="store_true", help="skip the database sample")
    parser.add_argument("--no-doc", action="store_true", help="do not write the doc")
    parser.add_argument(
        "--out", type=Path, help="write the doc here, whatever --worlds (a trial run)"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    print(
        f"Brigade simulation, {date.today()}: {args.worlds} comparisons per cell, "
        f"{args.processes} processes"
    )
    cells = simulate(args.worlds, args.processes)
    print(f"simulated in {time.perf_counter() - started:.0f} s", flush=True)
    variants = []
    for name, label, _, _ in VARIANTS:
        attacks, surges = report.summarise(cells[name])
        checks = report.targets(attacks, surges)
        baseline = report.baselines(cells[name])
        variants.append((name, label, attacks, surges, checks, baseline))
        print(f"\n## {name}: {label}\n")
        print("\n".join(report.attack_table(attacks)))
        print()
        print("\n".join(report.later_table(attacks)))
        print()
        print("\n".join(report.surge_table(surges)))
        print(
            f"\nhonest-only timelines with any vote held: {report.pct(baseline['held'])}; "
            f"too close by the established-voters rule at the first read: "
            f"{report.pct(baseline['split'])}"
        )
        for text, ok, figures in checks:
            print(f"{'TARGET MET' if ok else 'TARGET NOT MET'}: {text}: {figures}")
    agreements = []
    if not args.no_db:
        print("\n## database path (recompute_verdict on SQLite)\n", flush=True)
        db_started = time.perf_counter()
        agreements = dbcheck.check(db_samples(cells["current"]))
        print(f"replayed in {time.perf_counter() - db_started:.0f} s")
        for a in agreements:
            print(
                f"world {a.world:4d} ({a.kind:5}): held at first read {a.held:3d}; "
                f"releasing sweeps {a.releases}; "
                f"same held set {a.same_held}/{a.reads}, same state+pick "
                f"{a.same_verdict}/{a.reads}"
            )
            for line in a.detail:
                print(f"    {line}")
        reads = sum(a.reads for a in agreements)
        same = sum(a.same_held + a.same_verdict for a in agreements)
        print(f"agreement: {same}/{2 * reads} (held sets and verdicts)")
    seconds = time.perf_counter() - started
    times = os.times()
    cpu = times.user + times.system + times.children_user + times.children_system
    print(f"\n{seconds:.0f} s ({cpu:.0f} s of CPU)")
    out = args.out or (DOC if args.worlds == WORLDS and not args.no_doc else None)
    if out is not None:
        text = doc.render(
            {
                "date": date.today().isoformat(),
                "worlds": args.worlds,
                "seconds": seconds,
                "cpu": cpu,
                "cpus": args.processes,
                "variants": variants,
                "weights": account_weights(),
                "honest": honest_weights(args.worlds),
                "db": agreements,
                "command": "make simulate",
            }
        )
        out.write_text(text)
        print(f"wrote {out}")
    if any(a.same_held < a.reads or a.same_verdict < a.reads for a in agreements):
        print("the database path disagrees with the pure engine", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
