#!/usr/bin/env bash
# Mutation testing (`make mutate`; not in CI): mutmut 3 mutates the modules listed in
# pyproject.toml's [tool.mutmut] (scoring, trust, voting services, markup) inside mutants/
# and runs only the tests that exercise them, on SQLite. Prints killed / survived / total
# per module and the survivors' names; `.venv/bin/mutmut show NAME` shows one.
# The figures and the equivalent survivors are written up in docs/mutation.md.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

export CROWDPICK_TEST_ENGINES=sqlite  # tests/conftest.py: no PostgreSQL for mutation runs
# mutmut keeps results in mutants/ between runs and re-tests only functions that changed;
# start clean so the report is of this tree (MUTATE_KEEP=1 keeps them; MUTATE_RETRY=1 then
# re-tests every mutant not killed, e.g. after adding tests).
[ -n "${MUTATE_KEEP:-}" ] || rm -rf mutants
# New tests only reach old mutants once mutmut maps tests to functions again.
[ -z "${MUTATE_RETRY:-}" ] || rm -f mutants/mutmut-stats.json
"$BIN/mutmut" run --max-children "${MUTATE_JOBS:-$(nproc)}" >/dev/null || true
if [ -n "${MUTATE_RETRY:-}" ]; then
    mapfile -t again < <("$BIN/mutmut" results |
        awk -F': ' '/: (survived|no tests)$/ {gsub(/^ +/, "", $1); print $1}')
    if [ "${#again[@]}" -gt 0 ]; then
        "$BIN/mutmut" run --max-children "${MUTATE_JOBS:-$(nproc)}" "${again[@]}" >/dev/null || true
    fi
fi
"$BIN/mutmut" export-cicd-stats >/dev/null

"$BIN/python" - <<'PY'
import json
import subprocess
from collections import Counter

# `mutmut results --all true` prints "    <module>.<mutant>: <status>" for every mutant.
out = subprocess.run(
    [".venv/bin/mutmut", "results", "--all", "true"], capture_output=True, text=True, check=True
).stdout
modules = {
    "webapp.scoring": "webapp/scoring",
    "webapp.accounts.trust": "webapp/accounts/trust.py",
    "webapp.voting.services": "webapp/voting/services.py",
    "webapp.discussions.markup": "webapp/discussions/markup.py",
}
counts: dict[str, Counter] = {m: Counter() for m in modules}
survivors = []
for line in out.splitlines():
    name, _, status = line.strip().rpartition(": ")
    module = next((m for m in modules if name.startswith(m + ".")), None)
    if module is None:
        continue
    counts[module][status] += 1
    if status != "killed":
        survivors.append(f"{status:>10}  {name}")

rows = []
total = Counter()
for module, c in counts.items():
    n = sum(c.values())
    total.update(c)
    rows.append((modules[module], c["killed"], n - c["killed"], n))
rows.append(("all", total["killed"], sum(total.values()) - total["killed"], sum(total.values())))
print(f"\n{'module':34} {'killed':>7} {'not killed':>11} {'total':>6} {'rate':>7}")
for path, killed, other, n in rows:
    rate = f"{100 * killed / n:.1f}%" if n else "-"
    print(f"{path:34} {killed:7} {other:11} {n:6} {rate:>7}")
stats = json.load(open("mutants/mutmut-cicd-stats.json"))
print(f"\nmutmut's own totals: {stats}")
print("\nnot killed (see docs/mutation.md for the equivalent ones):")
print("\n".join(survivors) or "  none")
PY
