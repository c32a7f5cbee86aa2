"""An account farm against a real Celery worker on PostgreSQL: twenty accounts made a
minute ago (with verified e-mail even), warmed up by voting on twenty other comparisons
each, then all voting against the editors on one comparison that ten established members
settled. Every vote goes through ``cast_vote`` in this process, which enqueues through a
private Redis exactly as the web app does; the worker recomputes from the database.

Run twice: with the brigade detector (the farm's votes are held) and without it (trust
weights and the established-voter minimum must stop the farm on their own)."""

from __future__ import annotations

from contextlib import ExitStack
from datetime import UTC, datetime

import psycopg
import pytest
import sqlalchemy as sa

from tests import factories
from tests import workers_harness as harness
from webapp.accounts.models import User
from webapp.accounts.trust import TrustRules
from webapp.catalog.models import Comparison
from webapp.core.clock import utcnow
from webapp.extensions import db
from webapp.scoring.verdict import CONFIDENT, Params, compute
from webapp.verdicts.aggregate import trust_weight_sql
from webapp.voting.services import cast_vote

pytestmark = pytest.mark.postgres

ESTABLISHED, FARM, WARM_UP = 10, 20, 20


@pytest.fixture()
def start_stack(postgres_databases, tmp_path, request):
    """A fresh database, a private Redis, the app and one ready worker; on failure the
    process logs are printed."""
    failed_before = request.session.testsfailed
    stacks: list[harness.Stack] = []
    with ExitStack() as exits:

        def start(**env: str) -> harness.Stack:
            url = postgres_databases()
            built = exits.enter_context(harness.stack(url, tmp_path / "stack", 1, **env))
            built.pg = exits.enter_context(psycopg.connect(url, autocommit=True))
            stacks.append(built)
            return built

        yield start
        if request.session.testsfailed > failed_before:
            for built in stacks:
                print(f"\n===== process logs ({built.tmp}) =====\n{built.logs(200)}")


def verdict_row(stack: harness.Stack, comparison_id: int) -> dict | None:
    """The stored verdict, and whether it has read the comparison's latest inputs."""
    row = stack.pg.execute(
        "SELECT v.version, v.state, v.alignment, v.pick_option_id, v.counted_votes,"
        " v.held_votes, v.established_votes, v.weighted_votes,"
        " v.inputs_seen_at >= c.inputs_changed_at"
        " FROM community_verdicts v JOIN comparisons c ON c.id = v.comparison_id"
        " WHERE v.comparison_id = %s",
        (comparison_id,),
    ).fetchone()
    if row is None:
        return None
    keys = ("version", "state", "alignment", "pick", "counted", "held", "established")
    return dict(zip((*keys, "weighted", "current"), row, strict=True))


def wait_for_all_votes(stack: harness.Stack, comparison_id: int, votes: int) -> dict:
    """Until the worker's verdict has read every vote (counted, or held for review) and
    nothing newer is waiting; then until the queue is drained."""

    def seen():
        row = verdict_row(stack, comparison_id)
        return row if row and row["current"] and row["counted"] + row["held"] == votes else None

    harness.wait_until(
        seen,
        60,
        f"the verdict of {comparison_id} to read {votes} votes",
        explain=lambda: f"verdict now: {verdict_row(stack, comparison_id)}\n{stack.logs()}",
    )
    stack.wait_idle(timeout=60)
    return verdict_row(stack, comparison_id)


@pytest.mark.parametrize("holds", ["on", "off"], ids=["detector-on", "detector-off"])
def test_a_farm_of_fresh_accounts_cannot_outvote_established_members(start_stack, holds):
    stack = start_stack(CROWDPICK_HOLD_ENABLED="true" if holds == "on" else "false")
    app = stack.app
    with app.app_context():
        assert app.config["HOLD_ENABLED"] is (holds == "on")
        target = factories.comparison("Alder", "Birch", pick=0, age_days=30)
        editors, rival = (o.id for o in target.options)
        others = [factories.comparison(age_days=30) for _ in range(WARM_UP)]
        members = [factories.established(f"settler{i}") for i in range(ESTABLISHED)]
        farm = [factories.user(f"farm{i}", verified=True) for i in range(FARM)]
        db.session.commit()
        ids = {
            "target": target.id,
            "others": [c.id for c in others],
            "members": [m.id for m in members],
            "farm": [f.id for f in farm],
        }

        for i, member in enumerate(members):
            cast_vote(member, target, editors, f"198.18.{i}.0/24")
    settled = wait_for_all_votes(stack, ids["target"], ESTABLISHED)
    assert settled["pick"] == editors and settled["alignment"] == "agrees"

    day_before = datetime.now(UTC).date()
    with app.app_context():
        # Each farm account on its own network (residential proxies): no shared prefix.
        farm = db.session.scalars(sa.select(User).where(User.id.in_(ids["farm"]))).all()
        others = db.session.scalars(sa.select(Comparison).where(Comparison.id.in_(ids["others"])))
        others = list(others)
        for n, comparison in enumerate(others):  # the warm-up: 400 votes, spread out
            for i, account in enumerate(farm):
                option = comparison.options[(i + n) % 2].id
                cast_vote(account, comparison, option, f"100.{64 + i}.{n}.0/24")
        target = db.session.get(Comparison, ids["target"])
        for i, account in enumerate(farm):
            cast_vote(account, target, rival, f"100.{64 + i}.99.0/24")
        db.session.remove()
    day_after = datetime.now(UTC).date()

    final = wait_for_all_votes(stack, ids["target"], ESTABLISHED + FARM)
    for comparison_id in ids["others"]:
        wait_for_all_votes(stack, comparison_id, FARM)

    # The farm did not turn the verdict against the editors.
    assert not (final["state"] == CONFIDENT and final["pick"] != editors), final
    assert final["pick"] in (None, editors), final
    assert final["alignment"] != "disagrees", final
    threads = stack.pg.execute(
        "SELECT count(*) FROM threads WHERE comparison_id = %s AND kind = 'disagreement'",
        (ids["target"],),
    ).fetchone()[0]
    assert threads == 0
    if holds == "on":
        assert final["held"] == FARM and final["counted"] == ESTABLISHED
    else:
        assert final["held"] == 0 and final["counted"] == ESTABLISHED + FARM
    assert final["established"] == ESTABLISHED

    # Every farm account earned one active day (two if the run crossed midnight UTC),
    # whatever it voted on, and stays below established by the worker's own rule.
    with app.app_context():
        rules = TrustRules.from_config(app.config)
        weight = trust_weight_sql("postgresql", utcnow(), rules)
        rows = db.session.execute(
            sa.select(User.active_days, weight).where(User.id.in_(ids["farm"]))
        ).all()
        db.session.remove()
    assert len(rows) == FARM
    days = {active for active, _ in rows}
    if day_before == day_after:
        assert days == {1}
    else:
        assert days <= {1, 2}
    assert max(w for _, w in rows) < rules.established

    # Control: at full weight the very same votes are a confident disagreement, so the
    # assertions above hold because of the defences, not because the farm was too small.
    params = Params.from_config(app.config)
    naive = compute(
        [editors, rival],
        {editors: ESTABLISHED, rival: FARM},
        ESTABLISHED + FARM,
        [],
        params,
        established_votes=ESTABLISHED + FARM,
    )
    assert naive.state == CONFIDENT and naive.pick == rival
