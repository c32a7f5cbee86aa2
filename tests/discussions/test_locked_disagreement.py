"""A locked disagreement thread is still the comparison's disagreement: "Disagree with our
pick?" must not open a second thread beside it, and the moderator can always unlock it
(issue 13: a second thread opened, then unlocking the first failed with a 500)."""

from __future__ import annotations

import sqlalchemy as sa

from tests import factories
from tests.helpers import csrf_token, sign_in
from webapp.discussions import moderation, services
from webapp.discussions.models import Post, Thread
from webapp.extensions import db


def disagreement_threads(comp_id: int) -> list[Thread]:
    return db.session.scalars(
        sa.select(Thread).where(Thread.comparison_id == comp_id, Thread.kind == "disagreement")
    ).all()


def locked_scene():
    comp = factories.comparison()
    member, moderator = factories.user(), factories.user(role="moderator")
    first = services.do_disagree(member, comp, "The stove cooks whole meals.")
    thread = db.session.get(Thread, first.thread_id)
    moderation.do_lock(moderator, thread)
    return comp, member, moderator, thread


def test_disagreeing_beside_a_locked_thread_is_refused_and_opens_nothing(client, session):
    comp, member, _moderator, thread = locked_scene()
    posts = db.session.scalar(sa.select(sa.func.count()).select_from(Post))
    sign_in(client, member)
    page = f"/compare/{comp.slug}"
    response = client.post(
        f"{page}/disagree", data={"body": "Another try.", "csrf_token": csrf_token(client, page)}
    )
    assert response.status_code == 409
    assert "locked" in response.get_data(as_text=True)
    db.session.expire_all()
    assert [t.id for t in disagreement_threads(comp.id)] == [thread.id]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Post)) == posts


def test_the_locked_thread_stays_the_pages_disagreement_and_unlocks(client, session):
    comp, member, moderator, thread = locked_scene()
    assert services.current_disagreement(comp.id).id == thread.id
    sign_in(client, moderator)
    path = f"/threads/{thread.id}"
    response = client.post(
        f"{path}/unlock", data={"reason": "Cooled down.", "csrf_token": csrf_token(client, path)}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Thread, thread.id).status == "open"
    # and members can post in it again, into the same thread
    post = services.do_disagree(member, comp, "Back to it.")
    assert post.thread_id == thread.id and len(disagreement_threads(comp.id)) == 1


def test_unlocking_beside_an_open_duplicate_is_a_409_not_a_500(client, session):
    # Data from before the fix: a second disagreement thread opened beside a locked one.
    comp, _member, moderator, thread = locked_scene()
    db.session.add(Thread(comparison_id=comp.id, kind="disagreement", title="Second"))
    db.session.commit()
    sign_in(client, moderator)
    path = f"/threads/{thread.id}"
    response = client.post(
        f"{path}/unlock", data={"reason": "Cooled down.", "csrf_token": csrf_token(client, path)}
    )
    assert response.status_code == 409
    assert "Another disagreement thread is open" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Thread, thread.id).status == "locked"


def test_the_page_says_the_discussion_is_locked_instead_of_offering_the_form(client, session):
    comp, member, _moderator, thread = locked_scene()
    sign_in(client, member)
    page = client.get(f"/compare/{comp.slug}").get_data(as_text=True)
    assert "A moderator has locked the discussion of this pick" in page
    assert 'name="body"' not in page.split('id="discussion"')[1].split("Latest activity")[0]
    assert f"/threads/{thread.id}" in page and "Read the locked disagreement thread" in page
