"""Issue 13: each post says where its author stands, Kialo-style, from the author's current
vote on the comparison; one statement for the whole page."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from tests import factories
from webapp.discussions import services
from webapp.discussions.models import Post
from webapp.discussions.stances import stances_of
from webapp.extensions import db
from webapp.voting.models import Vote


def vote(user, comp, option, **extra):
    db.session.add(Vote(user_id=user.id, comparison_id=comp.id, option_id=option.id, **extra))
    db.session.flush()


def stance_in(html: str, post_id: int) -> str | None:
    head = re.search(
        rf'<header class="post-head" id="post-{post_id}-by">(.*?)</header>', html, re.S
    )
    assert head is not None, html
    label = re.search(r'<span class="stance stance-(\w+)">([^<]*)</span>', head.group(1))
    return f"{label.group(1)}: {label.group(2)}" if label else None


def test_each_post_shows_its_authors_current_vote(client, session):
    comp = factories.comparison("Kettle", "Stove", "Hob")  # the editors picked Kettle
    kettle, stove = comp.options[0], comp.options[1]
    backer, rival, silent, voided = (factories.user() for _ in range(4))
    vote(backer, comp, kettle)
    vote(rival, comp, stove)
    vote(voided, comp, stove, voided_at=datetime.now(UTC))
    first = services.do_disagree(rival, comp, "Stove, obviously.")
    thread = first.thread
    posts = {
        "rival": first,
        "backer": services.do_post(backer, thread, "Kettle is fine."),
        "silent": services.do_post(silent, thread, "Just reading."),
        "voided": services.do_post(voided, thread, "My vote was voided."),
    }
    reply = services.do_post(backer, thread, "Replying.", parent_id=first.id)
    system = services.add_system_post(thread, "The community now picks Stove.")
    db.session.commit()

    html = client.get(f"/threads/{thread.id}").get_data(as_text=True)
    assert stance_in(html, posts["rival"].id) == "other: voted for Stove"
    assert stance_in(html, posts["backer"].id) == "pick: voted for the editors&#39; pick (Kettle)"
    assert stance_in(html, posts["silent"].id) == "none: has not voted"
    assert stance_in(html, posts["voided"].id) == "none: has not voted"
    assert stance_in(html, reply.id) == "pick: voted for the editors&#39; pick (Kettle)"
    assert stance_in(html, system.id) is None

    # The stance follows the author's current vote, not the one they had when posting.
    db.session.query(Vote).filter_by(user_id=rival.id).update({"option_id": kettle.id})
    db.session.commit()
    html = client.get(f"/threads/{thread.id}").get_data(as_text=True)
    assert stance_in(html, posts["rival"].id) == "pick: voted for the editors&#39; pick (Kettle)"


def test_stances_cost_one_statement_for_any_number_of_authors(session, count_queries):
    comp = factories.comparison("Kettle", "Stove")
    authors = [factories.user() for _ in range(12)]
    for n, author in enumerate(authors):
        vote(author, comp, comp.options[n % 2])
    thread = services.open_disagreement_thread(comp, None, summary="Opened.")
    posts = [services.do_post(a, thread, f"Post {n}") for n, a in enumerate(authors)]
    # Loaded, as on the thread page (each do_post committed, expiring them).
    [(p.author_id, p.id) for p in posts]
    comp.options, comp.verdict  # noqa: B018

    with count_queries() as one:
        stances_of(comp, posts[:1])
    with count_queries() as many:
        found = stances_of(comp, posts + [Post(author_id=None)])
    assert len(one) == len(many) == 1, many.report()
    assert {found[a.id].kind for a in authors} == {"pick", "other"}
    assert stances_of(comp, []) == {}
