"""recompute_verdict, the trust weight in SQL, history, transitions, sweep and command."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests import factories
from webapp.accounts.models import User
from webapp.accounts.trust import TrustRules, age_in_days, trust_weight
from webapp.catalog import changes
from webapp.catalog.models import Comparison
from webapp.discussions.models import Post, Thread
from webapp.extensions import db
from webapp.scoring.verdict import Params, compute
from webapp.verdicts import services
from webapp.verdicts.aggregate import trust_weight_sql
from webapp.verdicts.models import CommunityVerdict, VerdictHistory
from webapp.voting.models import Vote
from webapp.voting.services import cast_vote


def voters(n: int) -> list[User]:
    return [factories.established() for _ in range(n)]


def vote_all(members, comparison, option):
    for member in members:
        cast_vote(member, comparison, option.id)


def count(model, *where):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_votes_recompute_in_process_and_match_the_pure_function(app, session):
    comp = factories.comparison("Kettle", "Stove", pick=1)
    kettle, stove = comp.options
    vote_all(voters(6), comp, kettle)
    vote_all(voters(4), comp, stove)
    verdict = services.get_verdict(comp.id)
    expected = compute(
        [kettle.id, stove.id], {kettle.id: 6, stove.id: 4}, 10, [], Params.from_config(app.config)
    )
    assert verdict.counted_votes == 10 and verdict.weighted_votes == pytest.approx(10)
    assert verdict.state == expected.state == "leaning" and verdict.pick_option_id == kettle.id
    assert verdict.confidence == pytest.approx(0.72559, abs=1e-5)
    assert [o["score"] for o in verdict.options] == pytest.approx(
        [o.score for o in expected.options]
    )
    assert verdict.version == count(VerdictHistory, VerdictHistory.comparison_id == comp.id)


def test_recompute_twice_is_a_no_op(session):
    comp = factories.comparison()
    vote_all(voters(3), comp, comp.options[0])
    first = services.recompute_verdict(comp.id)
    version, history = first.version, count(VerdictHistory)
    again = services.recompute_verdict(comp.id)
    assert again.version == version and count(VerdictHistory) == history
    assert count(CommunityVerdict) == 1


def test_new_accounts_count_less_and_voided_or_suspended_count_zero(app, session):
    comp = factories.comparison()
    a, b = comp.options
    new, old, suspended = (
        factories.user(age_days=0),
        factories.established(),
        factories.established(),
    )
    voided = factories.established()
    cast_vote(new, comp, a.id)
    cast_vote(old, comp, b.id)
    cast_vote(suspended, comp, a.id)
    cast_vote(voided, comp, a.id)
    suspended.suspended_at = datetime.now(UTC)
    db.session.execute(
        sa.update(Vote).where(Vote.user_id == voided.id).values(voided_at=datetime.now(UTC))
    )
    db.session.commit()
    verdict = services.recompute_verdict(comp.id)
    totals = {o["option"]: o["vote_total"] for o in verdict.options}
    rules = TrustRules.from_config(app.config)
    assert totals[b.id] == pytest.approx(1.0)
    # The new account voted today: one active day, nothing else.
    assert totals[a.id] == pytest.approx(trust_weight(0, 1, rules=rules), abs=1e-3)
    assert totals[a.id] < rules.established
    assert verdict.counted_votes == 2 and verdict.established_votes == 1


@pytest.mark.parametrize(
    "age, active_days, verified, strikes, suspended",
    [
        (0, 0, False, 0, False),
        (3.5, 1, True, 0, False),
        (10, 5, False, 0, False),
        (45, 0, True, 1, False),
        (1, 30, False, 0, False),
        (90, 12, True, 0, False),
        (200, 40, True, 3, False),
        (400, 2, True, 0, True),
    ],
)
def test_trust_weight_sql_equals_the_python_rule(
    app, session, age, active_days, verified, strikes, suspended
):
    member = factories.user(age_days=age, verified=verified, active_days=active_days)
    member.strikes = strikes
    member.suspended_at = datetime.now(UTC) if suspended else None
    db.session.flush()
    now = datetime.now(UTC)
    rules = TrustRules.from_config(app.config)
    dialect = db.session.get_bind().dialect.name
    in_sql = db.session.scalar(
        sa.select(trust_weight_sql(dialect, now, rules)).where(User.id == member.id)
    )
    expected = trust_weight(
        age_in_days(member.created_at, now),  # whole UTC days
        active_days,
        verified=verified,
        strikes=strikes,
        suspended=suspended,
        rules=rules,
    )
    assert in_sql == pytest.approx(expected, abs=1e-6)


def test_active_days_count_each_day_once(session):
    member = factories.user()
    one, two = factories.comparison(), factories.comparison()
    cast_vote(member, one, one.options[0].id)
    cast_vote(member, one, one.options[1].id)
    cast_vote(member, two, two.options[0].id)
    db.session.refresh(member)
    assert member.active_days == 1  # three votes, one day
    # The next day counts again.
    member.last_active_on = member.last_active_on - timedelta(days=1)
    db.session.commit()
    cast_vote(member, two, two.options[1].id)
    db.session.refresh(member)
    assert member.active_days == 2


def test_a_rolled_back_transaction_requests_nothing(app, session):
    comp = factories.comparison()
    member = factories.user()
    db.session.commit()
    db.session.add(Vote(user_id=member.id, comparison_id=comp.id, option_id=comp.options[0].id))
    changes.request_recompute(comp.id)
    assert changes.RECOMPUTE in db.session.info
    db.session.rollback()
    assert changes.RECOMPUTE not in db.session.info
    changes.commit()  # a later commit of other work sends nothing for the rolled-back vote
    assert services.get_verdict(comp.id) is None
    assert count(Vote) == 0 and db.session.get(Comparison, comp.id) is not None


def test_turning_against_the_editors_opens_one_thread_and_waver_posts_nothing(session):
    comp = factories.comparison("Kettle", "Stove", pick=0)  # editors pick Kettle
    kettle, stove = comp.options
    against = voters(20)
    vote_all(against[:2], comp, kettle)
    vote_all(against[2:12], comp, stove)  # 10 v 2 → confident Stove
    verdict = services.get_verdict(comp.id)
    assert verdict.state == "confident" and verdict.alignment == "disagrees"
    threads = db.session.scalars(sa.select(Thread).where(Thread.comparison_id == comp.id)).all()
    assert len(threads) == 1 and threads[0].opened_by_id is None
    system = db.session.scalars(sa.select(Post).where(Post.thread_id == threads[0].id)).all()
    assert len(system) == 1 and "The community now picks **Stove**" in system[0].body
    # Waver: votes back and forth around the thresholds without agreeing with the editors.
    vote_all(against[12:16], comp, kettle)  # 6 v 10: leaning/too close → no posts
    vote_all(against[16:18], comp, stove)
    assert count(Post, Post.thread_id == threads[0].id) == 1
    assert count(Thread) == 1


def test_back_to_agreement_posts_once(session):
    comp = factories.comparison("Kettle", "Stove", pick=0)
    kettle, stove = comp.options
    people = voters(40)
    vote_all(people[:12], comp, stove)  # confident disagreement
    vote_all(people[12:40], comp, kettle)  # 28 v 12: back with the editors
    thread = db.session.scalars(sa.select(Thread).where(Thread.comparison_id == comp.id)).one()
    bodies = [
        p.body
        for p in db.session.scalars(
            sa.select(Post).where(Post.thread_id == thread.id).order_by(Post.id)
        )
    ]
    assert len(bodies) == 2 and bodies[1].startswith("The community is back with the editors")
    assert services.get_verdict(comp.id).alignment == "agrees"


def test_disagreement_summary_names_the_claims_weighed_differently(session):
    from webapp.voting.services import rate_claim

    comp = factories.comparison("Kettle", "Stove", pick=0, pros=1, cons=1)
    kettle, stove = comp.options
    editor = factories.user(role="editor", age_days=90)
    rate_claim(editor, comp, stove.pros[0].id, 0)
    people = voters(12)
    for member in people:
        rate_claim(member, comp, stove.pros[0].id, 4)
    vote_all(people, comp, stove)
    post = db.session.scalars(sa.select(Post)).one()
    assert "Stove pro 0" in post.body and "editors 0.0/4" in post.body
    assert "%" not in post.body.split("\n")[0]  # the state in words, one share per option


def test_disagreement_summary_never_prints_the_prior_as_the_editors_rating(session):
    from webapp.voting.services import rate_claim

    comp = factories.comparison("Kettle", "Stove", pick=0, pros=1, cons=1)
    kettle, stove = comp.options
    people = voters(12)
    for member in people:
        rate_claim(member, comp, stove.pros[0].id, 4)
    vote_all(people, comp, stove)
    post = db.session.scalars(sa.select(Post)).one()
    line = next(line for line in post.body.splitlines() if "Stove pro 0" in line)
    assert "not rated by editors" in line and "editors 2.0/4" not in post.body


def test_recompute_command(cli, session):
    comp = factories.comparison()
    vote_all(voters(2), comp, comp.options[0])
    result = cli.invoke(args=["crowdpick", "recompute", comp.slug])
    assert result.exit_code == 0 and "Recomputed 1 comparison(s)." in result.output
    everything = cli.invoke(args=["crowdpick", "recompute", "--all"])
    assert everything.exit_code == 0 and f"comparison {comp.id}:" in everything.output
    missing = cli.invoke(args=["crowdpick", "recompute", "nope"])
    assert missing.exit_code == 1 and "No comparison with slug 'nope'." in missing.output
    both = cli.invoke(args=["crowdpick", "recompute", "--all", comp.slug])
    assert both.exit_code == 2


def test_history_keeps_every_version(session):
    comp = factories.comparison()
    vote_all(voters(3), comp, comp.options[0])
    rows = services.history(comp.id)
    assert [r.version for r in rows] == list(range(1, len(rows) + 1))
    assert rows[-1].weighted_votes == pytest.approx(3)
    assert datetime.now(UTC) - rows[-1].computed_at.replace(tzinfo=UTC) < timedelta(minutes=5)


def test_fresh_accounts_outweighing_established_voters_name_no_pick(app, session, monkeypatch):
    # The detector is off: this checks the verdict rule alone. 60 fresh verified accounts
    # (0.28 each today, about 17 weighted votes) against 8 established members (8.0).
    monkeypatch.setitem(app.config, "HOLD_ENABLED", False)
    comp = factories.comparison("Kettle", "Stove", pick=0)
    kettle, stove = comp.options
    vote_all(voters(8), comp, kettle)
    vote_all([factories.user(verified=True) for _ in range(60)], comp, stove)
    verdict = services.get_verdict(comp.id)
    totals = {o["option"]: o["vote_total"] for o in verdict.options}
    assert totals[stove.id] > 2 * totals[kettle.id]  # Stove leads on all votes...
    assert verdict.state == "too_close" and verdict.pick_option_id is None
    assert verdict.alignment != "disagrees" and count(Thread) == 0
    page = session.execute(sa.select(Comparison.slug).where(Comparison.id == comp.id)).scalar()
    html = app.test_client().get(f"/compare/{page}").get_data(as_text=True)
    assert "members with established accounts favour Kettle" in html
    assert "no pick while established members disagree" in html


def test_a_recompute_of_a_comparison_that_is_gone_writes_nothing(session):
    # The worker may run after the comparison was deleted: no verdict row appears.
    assert services.recompute_verdict(987_654) is None
    assert db.session.get(CommunityVerdict, 987_654) is None
