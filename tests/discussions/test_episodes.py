"""Issue 13, "Threads that behave": honest titles with one thread per disagreement episode,
the editors' conclusion pinned on the comparison page, and archived comparisons whose
threads stay readable while every new post is refused (409, the text kept)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests import factories
from tests.discussions.typed import assert_kept
from tests.helpers import csrf_token, sign_in
from webapp.discussions import moderation, services
from webapp.discussions.models import Post, Thread
from webapp.extensions import db
from webapp.verdicts.models import CommunityVerdict

QUESTION = services.CHALLENGE_TITLE
COMMUNITY = services.DISAGREEMENT_TITLE


def disagreements(comp_id: int) -> list[Thread]:
    db.session.expire_all()
    return db.session.scalars(
        sa.select(Thread)
        .where(Thread.comparison_id == comp_id, Thread.kind == "disagreement")
        .order_by(Thread.id)
    ).all()


def counts() -> tuple[int, int]:
    db.session.expire_all()
    posts = db.session.scalar(sa.select(sa.func.count()).select_from(Post))
    threads = db.session.scalar(sa.select(sa.func.count()).select_from(Thread))
    return posts, threads


@pytest.fixture()
def member_client(app, client, session, monkeypatch):
    monkeypatch.setitem(app.config, "POST_RATE_LIMIT", "10000 per minute")
    member = factories.user(age_days=30)
    sign_in(client, member)
    client.member = member
    client.token = csrf_token(client, "/about")
    return client


# --- honest titles, one thread per episode ------------------------------------------------


def test_a_members_challenge_is_titled_as_a_question(member_client):
    comp = factories.comparison()
    response = member_client.post(
        f"/compare/{comp.slug}/disagree",
        data={"body": "Beta is better.", "csrf_token": member_client.token},
    )
    assert response.status_code == 302
    [thread] = disagreements(comp.id)
    assert thread.title == "Members question the pick"
    page = member_client.get(f"/threads/{thread.id}").get_data(as_text=True)
    assert "<h1>Members question the pick</h1>" in page
    assert "Why the community disagrees" not in page


def test_the_verdict_engines_thread_keeps_the_communitys_title(session):
    comp = factories.comparison()
    services.open_disagreement_thread(comp, None, summary="The community picks Beta.")
    [thread] = disagreements(comp.id)
    assert thread.title == "Why the community disagrees with the pick"


def test_a_member_who_disagrees_with_a_disagreeing_community_opens_its_thread(session):
    """No thread is open (the last one was resolved) but the community still votes against
    the editors: the member's thread is the community's disagreement, titled so."""
    comp = factories.comparison()
    db.session.add(CommunityVerdict(comparison_id=comp.id, alignment="disagrees"))
    db.session.flush()
    post = services.do_disagree(factories.user(), comp, "Still Beta.")
    assert db.session.get(Thread, post.thread_id).title == COMMUNITY


def test_challenge_then_community_disagreement_is_one_retitled_thread(session):
    comp = factories.comparison()
    first, second = factories.user(), factories.user()
    challenge = services.do_disagree(first, comp, "Beta boils faster.")
    thread_id = challenge.thread_id
    assert disagreements(comp.id)[0].title == QUESTION

    # The community turns against the pick while the question is open: the same thread.
    thread = services.record_community_disagreement(comp, "The community now picks **Beta**.")
    db.session.commit()
    assert thread.id == thread_id
    [thread] = disagreements(comp.id)
    assert thread.title == COMMUNITY
    bodies = [
        p.body
        for p in db.session.scalars(
            sa.select(Post).where(Post.thread_id == thread_id).order_by(Post.id)
        )
    ]
    assert bodies[0] == "Beta boils faster."
    assert (
        "this members' question is now “Why the community disagrees with the pick”" in (bodies[1])
    )
    assert bodies[2] == "The community now picks **Beta**."
    assert thread.post_count == 3

    # Later challenges and later community summaries join it; no second thread, no
    # second retitling post.
    later = services.do_disagree(second, comp, "Agreed, Beta.")
    services.record_community_disagreement(comp, "Still Beta.")
    db.session.commit()
    assert later.thread_id == thread_id
    assert [t.id for t in disagreements(comp.id)] == [thread_id]
    system = db.session.scalars(
        sa.select(Post.body).where(Post.thread_id == thread_id, Post.author_id.is_(None))
    ).all()
    assert sum("is now “" in body for body in system) == 1

    # The editors resolve it: the episode is over, the next challenge is a new question.
    moderation.do_resolve(factories.user(role="editor"), thread, "We keep Alpha: it is cheaper.")
    nxt = services.do_disagree(first, comp, "Still think Beta.")
    assert nxt.thread_id != thread_id
    assert [t.title for t in disagreements(comp.id)] == [COMMUNITY, QUESTION]


def test_the_community_opens_its_own_thread_when_nobody_asked(session):
    comp = factories.comparison()
    thread = services.record_community_disagreement(comp, "The community now picks Beta.")
    db.session.commit()
    [stored] = disagreements(comp.id)
    assert stored.id == thread.id and stored.title == COMMUNITY and stored.opened_by_id is None
    assert stored.post_count == 1


# --- the editors' conclusion, pinned --------------------------------------------------------


def test_the_conclusion_is_pinned_on_the_comparison_page_and_the_thread(member_client):
    comp = factories.comparison()
    post = services.do_disagree(member_client.member, comp, "Beta, surely.")
    thread = db.session.get(Thread, post.thread_id)
    page = member_client.get(f"/compare/{comp.slug}").get_data(as_text=True)
    assert "Editors’ conclusion" not in page and "editors’ conclusion" not in page

    editor = factories.user("editor-june", role="editor")
    moderation.do_resolve(editor, thread, "We keep **Alpha**: it costs half as much.")

    page = member_client.get(f"/compare/{comp.slug}").get_data(as_text=True)
    section = page[page.index('id="discussion"') :]
    pinned = re.search(r'<section class="conclusion pinned".*?</section>', section, re.S)
    assert pinned is not None, section[:2000]
    block = pinned.group(0)
    assert "The editors’ conclusion" in block
    assert "<strong>Alpha</strong>: it costs half as much." in block
    assert "editor-june" in block
    assert f'href="/threads/{thread.id}#conclusion"' in block
    # It comes first in the section, above "Disagree with our pick?".
    assert section.index("conclusion pinned") < section.index("Disagree with our pick?")

    thread_page = member_client.get(f"/threads/{thread.id}").get_data(as_text=True)
    assert thread_page.index('id="conclusion"') < thread_page.index('class="posts"')
    assert "<strong>Alpha</strong>: it costs half as much." in thread_page


def test_a_new_episode_shows_the_last_conclusion_beside_the_open_thread(member_client):
    comp = factories.comparison()
    post = services.do_disagree(member_client.member, comp, "Beta.")
    moderation.do_resolve(
        factories.user(role="editor"), db.session.get(Thread, post.thread_id), "Alpha stays."
    )
    services.do_disagree(member_client.member, comp, "Beta again.")
    page = member_client.get(f"/compare/{comp.slug}").get_data(as_text=True)
    assert "The editors’ last conclusion" in page and "Alpha stays." in page
    assert "Read the open disagreement thread" in page


# --- archived comparisons ------------------------------------------------------------------


@pytest.fixture()
def archived(member_client):
    comp = factories.comparison()
    post = services.do_disagree(member_client.member, comp, "Written before the archive.")
    comp.status = "archived"
    db.session.commit()
    return member_client, comp, post


CLOSED = "This comparison is archived; the discussion is closed."


def test_an_archived_comparisons_thread_is_readable_with_a_notice(archived, app):
    _client, comp, post = archived
    reader = app.test_client()
    response = reader.get(f"/threads/{post.thread_id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert CLOSED in html and "Written before the archive." in html
    assert "Sign in to join the discussion" not in html
    assert 'action="/threads/' not in html.split('id="reply"')[1]  # no reply form


def test_an_archived_thread_page_offers_no_reply_to_its_members(archived):
    client, _comp, post = archived
    html = client.get(f"/threads/{post.thread_id}").get_data(as_text=True)
    assert CLOSED in html
    assert f'action="/threads/{post.thread_id}/posts"' not in html
    assert "Quote</a>" not in html and ">Edit</a>" not in html


def test_replying_on_an_archived_comparison_is_a_409_that_keeps_the_text(archived):
    client, _comp, post = archived
    before = counts()
    response = client.post(
        f"/threads/{post.thread_id}/posts",
        data={"body": "Late <b>reply</b>", "csrf_token": client.token},
    )
    assert_kept(response, 409, CLOSED, "reply-body", kept="Late &lt;b&gt;reply&lt;/b&gt;")
    assert counts() == before


def test_disagreeing_on_an_archived_comparison_is_a_409_that_keeps_the_text(archived):
    client, comp, _post = archived
    before = counts()
    response = client.post(
        f"/compare/{comp.slug}/disagree",
        data={"body": "Late <b>dissent</b>", "csrf_token": client.token},
    )
    assert_kept(response, 409, CLOSED, "disagree-body", kept="Late &lt;b&gt;dissent&lt;/b&gt;")
    assert counts() == before
    page = client.get(f"/compare/{comp.slug}").get_data(as_text=True)
    assert CLOSED in page and 'name="body"' not in page.split('id="discussion"')[1]


def test_a_new_thread_on_an_archived_comparison_is_a_409_that_keeps_the_text(archived):
    client, comp, _post = archived
    before = counts()
    response = client.post(
        f"/compare/{comp.slug}/discussion",
        data={"title": "Late", "body": "Late <b>thread</b>", "csrf_token": client.token},
    )
    assert_kept(response, 409, CLOSED, "thread-body", kept="Late &lt;b&gt;thread&lt;/b&gt;")
    assert counts() == before
    assert CLOSED in client.get(f"/compare/{comp.slug}/discussion").get_data(as_text=True)


def test_editing_on_an_archived_comparison_is_a_409(archived):
    client, _comp, post = archived
    response = client.post(
        f"/posts/{post.id}/edit", data={"body": "Changed.", "csrf_token": client.token}
    )
    assert response.status_code == 409 and CLOSED in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Post, post.id).body == "Written before the archive."


def test_a_preview_on_an_archived_comparison_is_refused_too(archived):
    client, _comp, post = archived
    response = client.post(
        f"/threads/{post.thread_id}/posts",
        data={"body": "Peek", "preview": "1", "csrf_token": client.token},
    )
    assert_kept(response, 409, CLOSED, "reply-body", kept="Peek")
