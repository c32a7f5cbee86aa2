"""`flask crowdpick demo seed` and `demo remove`: a living first run, removable at once."""

from __future__ import annotations

import sqlalchemy as sa

from tests import factories
from tests.conftest import ROOT
from webapp.accounts.models import User
from webapp.catalog.importer.runner import import_paths
from webapp.catalog.models import Comparison, EditorialVerdict
from webapp.discussions import services as discussions
from webapp.discussions.models import PickChange, Post, Thread
from webapp.extensions import db
from webapp.verdicts.models import CommunityVerdict, VerdictHistory
from webapp.voting.models import ClaimRating, Vote
from webapp.voting.services import cast_vote


def counts() -> dict[str, int]:
    def n(model):
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))

    return {m.__name__: n(m) for m in (User, Vote, ClaimRating, Post, Thread, PickChange)}


def by_title(title: str) -> Comparison:
    return db.session.scalars(sa.select(Comparison).where(Comparison.title == title)).one()


def import_demo_pages() -> None:
    list(
        import_paths(
            [ROOT / "webapp" / "catalog" / "demo"],
            dry_run=False,
            status="published",
            max_bytes=10**6,
        )
    )
    db.session.commit()


def test_seed_is_a_living_site_idempotent_and_removal_keeps_real_input(session, cli):
    import_demo_pages()
    result = cli.invoke(args=["crowdpick", "demo", "seed"])
    assert result.exit_code == 0, result.output
    assert "Seeded" in result.output
    demo = list(db.session.scalars(sa.select(User).where(User.is_demo)))
    assert len(demo) >= 10 and all(u.username.startswith("demo-") for u in demo)
    seeded = counts()
    assert seeded["Vote"] >= 60 and seeded["ClaimRating"] >= 20 and seeded["Post"] >= 5
    # One resolved and one open disagreement, and the resolution switched the pick.
    threads = {
        t.status for t in db.session.scalars(sa.select(Thread).where(Thread.kind == "disagreement"))
    }
    assert threads == {"resolved", "open"}
    change = db.session.scalars(sa.select(PickChange)).one()
    neovim = by_title("Neovim vs VS Code")
    assert db.session.get(EditorialVerdict, neovim.id).picked_option_id == change.to_option_id
    # Every verdict has read its latest input; the history spreads over the month.
    for comparison in db.session.scalars(sa.select(Comparison)):
        stored = db.session.get(CommunityVerdict, comparison.id)
        assert stored is None or stored.inputs_seen_version == comparison.inputs_version
    python = db.session.get(CommunityVerdict, by_title("Python vs Go").id)
    assert python.state == "confident" and python.alignment == "disagrees"
    # Newcomers' votes weigh less: the trust rules applied to the demo accounts too.
    databases = db.session.get(CommunityVerdict, by_title("PostgreSQL vs MySQL vs SQLite").id)
    assert databases.weighted_votes < databases.counted_votes == 12
    redis = db.session.get(CommunityVerdict, by_title("Redis vs Memcached").id)
    assert redis.flipped_at is not None
    times = list(db.session.scalars(sa.select(VerdictHistory.computed_at)))
    assert (max(times) - min(times)).days >= 20
    # A second run adds nothing.
    again = cli.invoke(args=["crowdpick", "demo", "seed"])
    assert again.exit_code == 0 and "already there" in again.output
    assert counts() == seeded

    # A real member's vote and post on a demo-touched comparison survive the removal.
    python_go = by_title("Python vs Go")
    real = factories.established("realperson")
    db.session.commit()
    cast_vote(real, python_go, python_go.options[1].id)
    thread = discussions.current_disagreement(python_go.id)
    demo_post = db.session.scalars(
        sa.select(Post).where(Post.thread_id == thread.id, Post.author_id.is_not(None))
    ).first()
    reply = discussions.do_post(real, thread, "I still side with the editors.", demo_post.id)
    removed = cli.invoke(args=["crowdpick", "demo", "remove"])
    assert removed.exit_code == 0, removed.output
    assert db.session.scalar(sa.select(sa.func.count()).where(User.is_demo)) == 0
    left = counts()
    assert left["Vote"] == 1 and left["ClaimRating"] == 0 and left["PickChange"] == 0
    assert db.session.get(Post, reply.id).parent_id is None  # kept, as a post of its own
    assert db.session.scalar(sa.select(Vote.option_id)) == python_go.options[1].id
    # The editors' pick is back; verdicts are recomputed from the real vote alone.
    assert db.session.get(EditorialVerdict, neovim.id).picked_option_id == change.from_option_id
    stored = db.session.get(CommunityVerdict, python_go.id)
    assert stored.state == "not_enough_votes" and stored.counted_votes == 1
    assert db.session.get(CommunityVerdict, by_title("Redis vs Memcached").id).counted_votes == 0
    assert db.session.get(Thread, thread.id) is not None  # it holds a real member's post
    nothing = cli.invoke(args=["crowdpick", "demo", "remove"])
    assert "No demo activity" in nothing.output


def test_demo_members_are_labelled_where_readers_meet_them(client):
    demo = factories.user(username="demo-ana")
    demo.is_demo = True
    real = factories.user()
    comp = factories.comparison("Kettle", "Stove")
    post = discussions.do_disagree(demo, comp, "The stove cooks whole meals.")
    discussions.do_post(real, post.thread, "A real reply.")
    thread_page = client.get(f"/threads/{post.thread_id}").get_data(as_text=True)
    assert thread_page.count("demo member") == 1  # the demo author's post, not the reply
    assert "Demo member" in client.get("/u/demo-ana").get_data(as_text=True)
    assert "Demo member" not in client.get(f"/u/{real.username}").get_data(as_text=True)


def test_seed_spreads_history_over_the_month_when_a_queue_is_configured(
    session, cli, app, monkeypatch
):
    """With REDIS_URL set, votes and ratings leave input marks and ask the queue for the
    recompute (here a Redis nobody listens on, so nothing is queued): the seed must still
    recompute each step in place, or the whole month collapses into one version."""
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:9/0")
    monkeypatch.setitem(app.config, "REDIS_TIMEOUT", 0.5)
    monkeypatch.delitem(app.extensions, "crowdpick_redis", raising=False)
    import_demo_pages()
    result = cli.invoke(args=["crowdpick", "demo", "seed"])
    assert result.exit_code == 0, result.output
    python_go = by_title("Python vs Go")
    times = list(
        db.session.scalars(
            sa.select(VerdictHistory.computed_at).where(
                VerdictHistory.comparison_id == python_go.id
            )
        )
    )
    assert len(times) >= 3 and (max(times) - min(times)).days >= 10
    monkeypatch.delitem(app.extensions, "crowdpick_redis", raising=False)
