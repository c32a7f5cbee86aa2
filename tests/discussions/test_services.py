"""Discussion services: threads, posts, limits, edits, tombstones, resolution."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests import factories
from webapp.catalog.models import EditorialVerdict
from webapp.core.actions import ActionError
from webapp.discussions import moderation, services
from webapp.discussions.models import PickChange, Post, Thread
from webapp.extensions import db
from webapp.integrity import services as integrity


def count(model, *where):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_open_disagreement_thread_is_idempotent_and_system_summary_posts_once(session):
    comp = factories.comparison()
    first = services.open_disagreement_thread(comp, None, summary="Community prefers B.")
    again = services.open_disagreement_thread(comp, None, summary="Community prefers B.")
    assert first.id == again.id
    assert count(Thread) == 1
    system = db.session.scalars(sa.select(Post).where(Post.thread_id == first.id)).all()
    assert [(p.author_id, p.body) for p in system] == [(None, "Community prefers B.")]
    assert first.opened_by_id is None and first.post_count == 1


def test_disagree_opens_once_and_collects_posts(session):
    comp = factories.comparison()
    a, b = factories.user(age_days=10), factories.user(age_days=10)
    p1 = services.do_disagree(a, comp, "I'd pick the other one.")
    p2 = services.do_disagree(b, comp, "Same here, for *other* reasons.")
    assert p1.thread_id == p2.thread_id
    assert count(Thread) == 1
    thread = db.session.get(Thread, p1.thread_id)
    assert thread.post_count == 2 and thread.opened_by_id == a.id
    assert "<em>other</em>" in p2.body_html


def test_a_resolved_thread_makes_room_for_a_new_one(session):
    comp = factories.comparison()
    editor = factories.user(role="editor")
    first = services.open_disagreement_thread(comp, None, summary="x")
    moderation.do_resolve(editor, first, "We keep the pick.")
    second = services.open_disagreement_thread(comp, None, summary="y")
    assert second.id != first.id and second.status == "open"


def test_new_accounts_are_limited_in_links(session):
    comp = factories.comparison()
    links = "[a](https://a.example) [b](https://b.example) [c](https://c.example)"
    with pytest.raises(ActionError) as info:
        services.do_disagree(factories.user(age_days=0), comp, links)
    assert "at most 2 links" in info.value.message
    post = services.do_disagree(factories.user(age_days=30), comp, links)
    assert post.body_html.count("<a ") == 3


def test_replies_are_one_level_deep(session):
    comp = factories.comparison()
    author = factories.user()
    top = services.do_disagree(author, comp, "top")
    thread = db.session.get(Thread, top.thread_id)
    reply = services.do_post(author, thread, "reply", parent_id=top.id)
    nested = services.do_post(author, thread, "reply to reply", parent_id=reply.id)
    assert reply.parent_id == top.id and nested.parent_id == top.id


def test_reply_to_a_post_of_another_thread_is_refused(session):
    author = factories.user()
    here = services.do_disagree(author, factories.comparison(), "here")
    there = services.do_disagree(author, factories.comparison(), "there")
    with pytest.raises(ActionError) as info:
        services.do_post(author, db.session.get(Thread, here.thread_id), "x", parent_id=there.id)
    assert info.value.status == 422


def test_edit_within_window_marks_edited_and_not_after(app, session):
    author = factories.user()
    post = services.do_disagree(author, factories.comparison(), "first words")
    services.do_edit(author, post, "better words")
    assert post.body == "better words" and post.edited_at is not None
    post.created_at = post.created_at - timedelta(
        minutes=app.config["POST_EDIT_WINDOW_MINUTES"] + 1
    )
    with pytest.raises(ActionError) as info:
        services.do_edit(author, post, "too late")
    assert info.value.status == 403 and post.body == "better words"


def test_delete_leaves_a_tombstone_and_keeps_replies(client, session):
    author, other = factories.user(), factories.user()
    comp = factories.comparison()
    top = services.do_disagree(author, comp, "secret thoughts")
    thread = db.session.get(Thread, top.thread_id)
    services.do_post(other, thread, "a reply that stays", parent_id=top.id)
    services.do_delete(author, top)
    html = client.get(f"/threads/{thread.id}").get_data(as_text=True)
    assert "This post was deleted by its author." in html
    assert "secret thoughts" not in html and "a reply that stays" in html
    assert top.body == "secret thoughts" and top.body_html == ""  # kept for moderators


def test_hidden_text_is_not_shown_to_others(client, session):
    author, mod = factories.user(), factories.user(role="moderator")
    post = services.do_disagree(author, factories.comparison(), "rude words")
    moderation.do_hide(mod, post)
    html = client.get(f"/threads/{post.thread_id}").get_data(as_text=True)
    assert "rude words" not in html and "hidden by a moderator" in html


def test_locked_thread_takes_no_posts_until_unlocked(session):
    author, mod = factories.user(), factories.user(role="moderator")
    post = services.do_disagree(author, factories.comparison(), "x")
    thread = db.session.get(Thread, post.thread_id)
    moderation.do_lock(mod, thread)
    with pytest.raises(ActionError) as info:
        services.do_post(author, thread, "more")
    assert info.value.status == 409
    moderation.do_unlock(mod, thread)
    assert services.do_post(author, thread, "more").id


def test_resolve_with_a_new_pick_records_who_and_when(session):
    editor, member = factories.user(role="editor"), factories.user()
    comp = factories.comparison(pick=0)
    post = services.do_disagree(member, comp, "B is better")
    thread = db.session.get(Thread, post.thread_id)
    change = moderation.do_resolve(editor, thread, "Fair point: **B** it is.", comp.options[1].id)
    assert db.session.get(EditorialVerdict, comp.id).picked_option_id == comp.options[1].id
    assert (change.from_option_id, change.to_option_id, change.changed_by_id) == (
        comp.options[0].id,
        comp.options[1].id,
        editor.id,
    )
    assert change.changed_at is not None and change.thread_id == thread.id
    assert thread.status == "resolved" and "<strong>B</strong>" in thread.conclusion_html


def test_resolve_refuses_an_option_of_another_comparison(session):
    # An empty conclusion or an unreadable pick is the form's (test_forms.py).
    editor, member = factories.user(role="editor"), factories.user()
    comp, other = factories.comparison(), factories.comparison()
    thread = db.session.get(Thread, services.do_disagree(member, comp, "x").thread_id)
    with pytest.raises(ActionError) as info:
        moderation.do_resolve(editor, thread, "ok", other.options[0].id)
    assert info.value.status == 422
    assert thread.status == "open" and count(PickChange) == 0


def test_suspended_member_is_signed_out_and_cannot_post(client, session):
    from tests.helpers import sign_in

    member, mod = factories.user(), factories.user(role="moderator")
    comp = factories.comparison()
    sign_in(client, member)
    integrity.do_suspend(mod, member)
    page = client.get(f"/compare/{comp.slug}").get_data(as_text=True)
    assert "Sign in to say why" in page
    with pytest.raises(ActionError):
        integrity.do_suspend(member, mod)


def test_flag_twice_is_409(session):
    author, reader = factories.user(), factories.user()
    post = services.do_disagree(author, factories.comparison(), "x")
    moderation.do_flag(reader, post, "spam")
    with pytest.raises(ActionError) as info:
        moderation.do_flag(reader, post, "spam")
    assert info.value.status == 409


def test_quote_prefills_the_reply(client, session):
    from tests.helpers import sign_in

    author = factories.user("quoted")
    post = services.do_disagree(author, factories.comparison(), "line one\nline two")
    sign_in(client, factories.user())
    html = client.get(f"/threads/{post.thread_id}?quote={post.id}").get_data(as_text=True)
    assert "quoted wrote:\n&gt; line one\n&gt; line two" in html


def test_disagreements_page_sorted_by_activity_and_empty_state(client, session):
    assert "No open disagreements right now" in client.get("/disagreements").get_data(as_text=True)
    member = factories.user()
    older = factories.comparison("Old A", "Old B")
    newer = factories.comparison("New A", "New B")
    services.do_disagree(member, older, "first")
    services.do_disagree(member, newer, "second")
    services.do_disagree(member, older, "third, so older is most active")
    html = client.get("/disagreements").get_data(as_text=True)
    assert html.index("Old A vs Old B") < html.index("New A vs New B")
