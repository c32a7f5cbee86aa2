"""Query budgets: how many SQL statements a page costs, on both engines.

The home page and the comparison page have fixed ceilings; list pages (profile, thread,
flag queue, disagreements) must cost the same for one item as for a full page, so a
template that loads related rows one at a time fails here. Counts come from
tests/querycount.py; each counted request starts with an empty session, as a request in
production does (the test's own session would otherwise serve rows from its identity map).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests import factories
from tests.helpers import sign_in
from webapp.accounts.models import User
from webapp.catalog.models import Comparison
from webapp.discussions.models import Flag, Post, Thread
from webapp.extensions import db
from webapp.integrity.models import HoldEpisode
from webapp.verdicts.models import CommunityVerdict, VerdictHistory
from webapp.voting.models import ClaimRating, Vote

HOME_BUDGET = 8
# +1: the history chart's events (verdicts/history.py); -2: the page loads the comparison
# in two statements (catalog.services.get_published, whole), not four.
COMPARISON_BUDGET = 14
FULL_PAGE = 20


@pytest.fixture()
def pages(app, monkeypatch):
    """List pages hold FULL_PAGE items, so "a full page" means 20 here."""
    monkeypatch.setitem(app.config, "PER_PAGE", FULL_PAGE)
    monkeypatch.setitem(app.config, "POSTS_PER_PAGE", FULL_PAGE)


def measure(count_queries, client, path: str):
    """The statements one GET of ``path`` executes, from an empty session."""
    db.session.commit()
    db.session.remove()
    with count_queries() as statements:
        response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    # pytest -s shows each page's count; QUERY_REPORT=1 also lists its statements.
    print(f"{db.engine.dialect.name} GET {path}: {len(statements)}")
    if os.environ.get("QUERY_REPORT"):
        print(statements.report())
    return statements


def same_cost(one, many) -> None:
    assert len(many) == len(one), f"1 item:\n{one.report()}\n\n20 items:\n{many.report()}"


def test_the_counter_counts_inside_its_block_and_shows_savepoints_apart(count_queries):
    db.session.execute(sa.select(sa.literal(0)))  # before the block: not counted
    with count_queries() as statements:
        nested = db.session.begin_nested()
        db.session.execute(sa.select(sa.literal(1)))
        db.session.execute(sa.select(sa.literal(2)))
        nested.rollback()
    db.session.execute(sa.select(sa.literal(3)))  # after it: not counted either
    assert len(statements) == 2, statements.report()
    assert [s.split()[0] for s in statements.bookkeeping] == ["SAVEPOINT", "ROLLBACK"]
    assert len(statements.all) == 4 and "2 statements (+2" in statements.report()


# --- seeding -------------------------------------------------------------------------


def voters(n: int) -> list[int]:
    """Ids, not rows: a measured request ends the session its rows belonged to."""
    return [factories.established().id for _ in range(n)]


def rich_comparison(people: list[int], i: int) -> Comparison:
    """Three options with tags, pros and cons; votes and ratings by ``people``; a stored
    community verdict (contested and flipped, so every sort lists it) with history."""
    names = (f"Kettle{i}", f"Stove{i}", f"Hob{i}")
    comp = factories.comparison(*names, pros=2, cons=2, age_days=i)
    tags = [["kitchen", f"t{i}"], ["kitchen", "heat"], ["heat"]]
    for option, slugs in zip(comp.options, tags, strict=True):
        option.tags = [factories.tag(slug) for slug in slugs]
        db.session.flush()
    for n, person in enumerate(people):
        option = comp.options[n % 3]
        db.session.add(Vote(user_id=person, comparison_id=comp.id, option_id=option.id))
        for claim in option.claims[:2]:
            db.session.add(
                ClaimRating(user_id=person, claim_id=claim.id, comparison_id=comp.id, importance=3)
            )
    scores = (0.2, 0.5, 0.3)
    options = [
        {
            "option": o.id,
            "vote_total": 1.0,
            "vote_share": s,
            "claim_share": s,
            "score": s,
            "confidence": s,
            "established_total": 1.0,
        }
        for o, s in zip(comp.options, scores, strict=True)
    ]
    now = datetime.now(UTC)
    db.session.add(
        CommunityVerdict(
            comparison_id=comp.id,
            version=3,
            computed_at=now,
            state="confident",
            pick_option_id=comp.options[1].id,
            confidence=0.95,
            counted_votes=len(people),
            weighted_votes=float(len(people)),
            established_votes=len(people),
            alignment="disagrees",
            options=options,
            claims={
                str(c.id): {"community": 3.0, "editors": 1.0, "weight": 2.0}
                for o in comp.options
                for c in o.claims
            },
            contest=0.3,
            flipped_at=now - timedelta(minutes=i),
        )
    )
    for version in (1, 2, 3):
        db.session.add(
            VerdictHistory(
                comparison_id=comp.id,
                version=version,
                computed_at=now - timedelta(hours=4 - version),
                state="confident",
                pick_option_id=comp.options[version % 2].id,
                confidence=0.9,
                weighted_votes=float(len(people)),
                options=options,
            )
        )
    db.session.flush()
    return comp


def thread_with_posts(comp_id: int, people: list[int], n: int, kind="disagreement") -> Thread:
    """An open thread with ``n`` top-level posts, each with a reply; with 2n ``people``
    every post and reply has an author of its own."""
    now = datetime.now(UTC)
    thread = Thread(
        comparison_id=comp_id,
        kind=kind,
        title="Why the community disagrees with the pick",
        opened_by_id=people[0],
        created_at=now,
        last_activity_at=now,
        post_count=2 * n,
    )
    db.session.add(thread)
    db.session.flush()
    for i in range(n):
        author = people[i % len(people)]
        top = Post(
            thread_id=thread.id,
            author_id=author,
            body=f"Post {i}",
            body_html=f"<p>Post {i}</p>",
            created_at=now + timedelta(seconds=i),
        )
        db.session.add(top)
        db.session.flush()
        replier = people[(n + i) % len(people)]
        db.session.add(
            Post(
                thread_id=thread.id,
                author_id=replier,
                parent_id=top.id,
                body=f"Reply {i}",
                body_html=f"<p>Reply {i}</p>",
                created_at=now + timedelta(seconds=i, milliseconds=500),
            )
        )
    db.session.flush()
    return thread


# --- the home page and the tag page: a fixed ceiling --------------------------------------


HOME_PATHS = [
    "/",
    "/?sort=contested",
    "/?sort=disagreement",
    "/?sort=flipped",
    "/?sort=newest",
    "/?q=kettle",
    "/?tag=kitchen",
]


@pytest.mark.parametrize("signed_in", [False, True], ids=["signed out", "member"])
@pytest.mark.parametrize("path", HOME_PATHS)
def test_home_page_costs_at_most_8_statements_for_1_or_20_cards(
    client, count_queries, pages, path, signed_in
):
    people = voters(3)
    rich_comparison(people, 0)
    if signed_in:  # the member's own row and the header's inbox count: two more statements
        sign_in(client, db.session.get(User, people[0]))
    one = measure(count_queries, client, path)
    for i in range(1, FULL_PAGE + 1):  # a full page and one more (the page links show)
        rich_comparison(people, i)
    many = measure(count_queries, client, path)
    assert len(one) <= HOME_BUDGET, one.report()
    assert len(many) <= HOME_BUDGET, many.report()
    same_cost(one, many)


def test_tag_page_costs_the_same_for_1_or_20_cards(client, count_queries, pages):
    people = voters(3)
    rich_comparison(people, 0)
    one = measure(count_queries, client, "/tags/kitchen")
    for i in range(1, FULL_PAGE + 1):
        rich_comparison(people, i)
    many = measure(count_queries, client, "/tags/kitchen")
    assert len(many) <= HOME_BUDGET, many.report()
    same_cost(one, many)


# --- the comparison page: at most 14 -------------------------------------------------------


@pytest.mark.parametrize("who", ["signed out", "member", "moderator"])
def test_comparison_page_costs_at_most_14_statements(client, count_queries, who):
    people = voters(6)
    comp = rich_comparison(people, 0)
    thread_with_posts(comp.id, people, 5)
    thread_with_posts(comp.id, people, 2, kind="general")
    if who != "signed out":
        viewer = factories.established(role="moderator" if who == "moderator" else "member")
        db.session.add(Vote(user_id=viewer.id, comparison_id=comp.id, option_id=comp.options[0].id))
        for claim in comp.options[2].claims:
            db.session.add(
                ClaimRating(
                    user_id=viewer.id, claim_id=claim.id, comparison_id=comp.id, importance=4
                )
            )
        db.session.commit()
        sign_in(client, viewer)
    statements = measure(count_queries, client, f"/compare/{comp.slug}")
    assert len(statements) <= COMPARISON_BUDGET, statements.report()


# --- list pages: the same for 1 item as for 20 ------------------------------------------


@pytest.mark.parametrize("viewer", ["signed out", "owner", "moderator"])
def test_profile_costs_the_same_for_1_or_20_votes(client, count_queries, pages, viewer):
    people = voters(1)
    member = factories.established()
    member_id, path = member.id, f"/u/{member.username}"
    # (comparison, option) ids: the rows themselves leave with the measured session.
    picks = [(c.id, c.options[2].id) for c in (rich_comparison(people, i) for i in range(21))]

    def vote(comparison_id, option_id):
        db.session.add(Vote(user_id=member_id, comparison_id=comparison_id, option_id=option_id))

    vote(*picks[0])
    if viewer == "owner":
        sign_in(client, member)
    elif viewer == "moderator":
        sign_in(client, factories.established(role="moderator"))
    one = measure(count_queries, client, path)
    for pick in picks[1:]:
        vote(*pick)
    many = measure(count_queries, client, path)
    same_cost(one, many)


@pytest.mark.parametrize("viewer", ["signed out", "author", "moderator"])
def test_thread_page_costs_the_same_for_1_or_20_posts(client, count_queries, pages, viewer):
    people = voters(2 * FULL_PAGE + 2)  # each post and reply by a member of its own
    comp = rich_comparison(people[:3], 0)
    small = thread_with_posts(comp.id, people, 1)
    small.status = "resolved"  # one open disagreement per comparison
    small.resolved_by_id, small.resolved_at = people[1], datetime.now(UTC)
    small.conclusion = small.conclusion_html = "Kept."
    big = thread_with_posts(comp.id, people, FULL_PAGE + 1)
    small_path, big_path = f"/threads/{small.id}", f"/threads/{big.id}"
    if viewer == "author":
        sign_in(client, db.session.get(User, people[0]))
    elif viewer == "moderator":
        sign_in(client, factories.established(role="moderator"))
    one = measure(count_queries, client, small_path)
    many = measure(count_queries, client, big_path)
    # The resolved thread also names who resolved it: at most one more user row.
    report = f"1 post:\n{one.report()}\n\n20 posts:\n{many.report()}"
    assert len(one) - 1 <= len(many) <= len(one), report


def test_flag_queue_costs_the_same_for_1_or_20_flags(client, count_queries, pages):
    authors, reporters = voters(3 * 7 + 1), voters(2)
    moderator = factories.established(role="moderator")
    posts = []  # top-level posts in three threads, each by a member of its own
    for i in range(3):
        comp_id = rich_comparison(reporters, i).id
        thread = thread_with_posts(comp_id, authors[7 * i : 7 * i + 8], 7)
        posts += db.session.scalars(
            sa.select(Post.id).where(Post.thread_id == thread.id, Post.parent_id.is_(None))
        ).all()

    def flag(n):
        db.session.add(Flag(post_id=posts[n], reporter_id=reporters[n % 2], reason="spam"))

    flag(0)
    sign_in(client, moderator)
    one = measure(count_queries, client, "/moderation/flags")
    for n in range(1, FULL_PAGE + 1):
        flag(n)
    many = measure(count_queries, client, "/moderation/flags")
    same_cost(one, many)


def test_disagreements_list_costs_the_same_for_1_or_20_threads(client, count_queries, pages):
    people = voters(2)
    comparisons = [rich_comparison(people, i).id for i in range(FULL_PAGE + 1)]
    thread_with_posts(comparisons[0], people, 1)
    one = measure(count_queries, client, "/disagreements")
    for comp_id in comparisons[1:]:
        thread_with_posts(comp_id, people, 1)
    many = measure(count_queries, client, "/disagreements")
    same_cost(one, many)


def test_held_votes_queue_costs_the_same_for_1_or_20_episodes(client, count_queries, pages):
    people = voters(3)
    moderator = factories.established(role="moderator")

    def episode(i: int) -> None:
        comp = rich_comparison(people[:1], i)
        held = HoldEpisode(comparison_id=comp.id, evidence={})
        db.session.add(held)
        db.session.flush()
        for n, person in enumerate(people[1:]):  # each episode holds two votes
            db.session.add(
                Vote(
                    user_id=person,
                    comparison_id=comp.id,
                    option_id=comp.options[n].id,
                    held_at=held.opened_at,
                    hold_episode_id=held.id,
                )
            )

    episode(0)
    sign_in(client, moderator)
    one = measure(count_queries, client, "/moderation/holds")
    for i in range(1, FULL_PAGE + 1):
        episode(i)
    many = measure(count_queries, client, "/moderation/holds")
    same_cost(one, many)


# --- the live poll: one statement while nothing changed, a fixed ceiling when it did ----

POLL_BUDGET = 8


def test_the_live_poll_costs_one_statement_until_a_new_verdict(client, count_queries):
    """Every open comparison page asks once a second: the 304 is one statement, and the
    JSON (card, "why", each claim's weight, spread and order) costs the same for a
    comparison with 12 claims as for one with 40."""
    people = voters(3)
    small = rich_comparison(people, 0)
    big = factories.comparison("Pan", "Pot", pros=10, cons=10, age_days=1)
    claims = big.options[0].claims + big.options[1].claims
    for person in people:
        for claim in claims:
            db.session.add(
                ClaimRating(user_id=person, claim_id=claim.id, comparison_id=big.id, importance=2)
            )
    db.session.add(
        CommunityVerdict(
            comparison_id=big.id,
            version=1,
            computed_at=datetime.now(UTC),
            options=[],
            claims={str(c.id): {"community": 2.0, "editors": None, "weight": 3.0} for c in claims},
        )
    )
    paths = [f"/compare/{c.slug}/community" for c in (small, big)]
    one = measure(count_queries, client, paths[0])
    many = measure(count_queries, client, paths[1])
    assert len(many) <= POLL_BUDGET, many.report()
    same_cost(one, many)

    etag = client.get(paths[0]).headers["ETag"]
    db.session.commit()
    db.session.remove()
    with count_queries() as statements:
        response = client.get(paths[0], headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert len(statements) == 1, statements.report()
