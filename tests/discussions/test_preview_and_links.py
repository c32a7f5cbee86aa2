"""Issue 13: a markdown preview that works without JavaScript and writes nothing; bare URLs
become links (sanitised, never ``javascript:``) and count against a new account's link
limit; and the browser and the server count a post's characters the same way."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests import factories
from tests.discussions.typed import assert_kept
from tests.helpers import csrf_token, sign_in
from webapp.discussions import services
from webapp.discussions.forms import counted_length
from webapp.discussions.markup import count_links, render_markdown
from webapp.discussions.models import Post, Thread
from webapp.extensions import db

REL = 'rel="nofollow ugc noopener noreferrer"'
TYPED = "**Bold** <b>raw</b> and https://docs.example/page?x=1"


def counts() -> tuple[int, int]:
    db.session.expire_all()
    posts = db.session.scalar(sa.select(sa.func.count()).select_from(Post))
    threads = db.session.scalar(sa.select(sa.func.count()).select_from(Thread))
    return posts, threads


@pytest.fixture()
def scene(app, client, session, monkeypatch):
    """An established member, signed in; a comparison with an open thread."""
    monkeypatch.setitem(app.config, "POST_RATE_LIMIT", "10000 per minute")
    member = factories.user(age_days=30)
    comp = factories.comparison()
    first = services.do_disagree(factories.user(age_days=30), comp, "Opening post.")
    sign_in(client, member)
    client.token = csrf_token(client, "/about")
    return client, member, comp, first


def preview_of(html: str) -> str:
    found = re.search(
        r'<section class="post-preview".*?<div class="post-body">(.*?)</div>', html, re.S
    )
    assert found is not None, html
    return found.group(1)


def assert_previewed(response, field_id: str):
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:500]
    shown = preview_of(html)
    assert "<strong>Bold</strong>" in shown and "&lt;b&gt;raw&lt;/b&gt;" in shown
    assert f'<a href="https://docs.example/page?x=1" {REL}>' in shown
    # the text is kept, escaped, in the focused textarea below the preview
    field = re.search(rf'<textarea id="{field_id}"[^>]*>([^<]*)</textarea>', html)
    assert field is not None and "autofocus" in field.group(0)
    assert field.group(1) == "**Bold** &lt;b&gt;raw&lt;/b&gt; and https://docs.example/page?x=1"
    assert html.index('class="post-preview"') < html.index(f'id="{field_id}"')
    return html


# --- preview --------------------------------------------------------------------------------


def test_previewing_a_reply_writes_nothing_and_keeps_the_text(scene):
    client, _member, _comp, first = scene
    before = counts()
    response = client.post(
        f"/threads/{first.thread_id}/posts",
        data={
            "body": TYPED,
            "preview": "1",
            "parent_id": str(first.id),
            "csrf_token": client.token,
        },
    )
    html = assert_previewed(response, "reply-body")
    assert f'name="parent_id" value="{first.id}"' in html  # still a reply to that post
    assert counts() == before


def test_previewing_a_disagreement_opens_no_thread(scene):
    client, _member, _comp, _first = scene
    other = factories.comparison()
    before = counts()
    response = client.post(
        f"/compare/{other.slug}/disagree",
        data={"body": TYPED, "preview": "1", "csrf_token": client.token},
    )
    assert_previewed(response, "disagree-body")
    assert counts() == before


def test_previewing_a_new_thread_keeps_the_title_too(scene):
    client, _member, comp, _first = scene
    before = counts()
    response = client.post(
        f"/compare/{comp.slug}/discussion",
        data={"title": "Kept <title>", "body": TYPED, "preview": "1", "csrf_token": client.token},
    )
    html = assert_previewed(response, "thread-body")
    assert 'value="Kept &lt;title&gt;"' in html
    assert counts() == before


def test_previewing_an_edit_changes_nothing(scene):
    client, member, _comp, first = scene
    mine = services.do_post(member, first.thread, "My words.")
    response = client.post(
        f"/posts/{mine.id}/edit", data={"body": TYPED, "preview": "1", "csrf_token": client.token}
    )
    assert_previewed(response, "edit-body")
    db.session.expire_all()
    assert db.session.get(Post, mine.id).body == "My words." and mine.edited_at is None


def test_a_preview_is_checked_like_a_post(scene, app, monkeypatch):
    client, _member, comp, first = scene
    before = counts()
    empty = client.post(
        f"/threads/{first.thread_id}/posts",
        data={"body": "   ", "preview": "1", "csrf_token": client.token},
    )
    assert_kept(empty, 422, "Write something first", "reply-body", kept="Add to the discussion")
    monkeypatch.setitem(app.config, "NEW_ACCOUNT_DAYS", 60)  # the member is new again
    links = "a https://a.example b https://b.example c https://c.example"
    refused = client.post(
        f"/compare/{comp.slug}/disagree",
        data={"body": links, "preview": "1", "csrf_token": client.token},
    )
    assert_kept(refused, 422, "at most 2 links", "disagree-body", kept=links)
    assert counts() == before


def test_previews_do_not_use_up_the_post_limit(scene, app, monkeypatch):
    client, _member, _comp, first = scene
    monkeypatch.setitem(app.config, "POST_RATE_LIMIT", "1 per minute")
    path = f"/threads/{first.thread_id}/posts"
    for _ in range(3):
        response = client.post(
            path, data={"body": "Draft", "preview": "1", "csrf_token": client.token}
        )
        assert response.status_code == 200
    assert client.post(path, data={"body": "Final", "csrf_token": client.token}).status_code == 302


def test_a_json_preview_answers_the_html(scene):
    client, _member, _comp, first = scene
    before = counts()
    response = client.post(
        f"/threads/{first.thread_id}/posts",
        data={"body": "*hi* https://x.example", "preview": "1", "csrf_token": client.token},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200
    assert response.get_json()["preview"] == (
        f'<p><em>hi</em> <a href="https://x.example" {REL}>https://x.example</a></p>\n'
    )
    assert counts() == before


# --- autolinks ---------------------------------------------------------------------------


def test_bare_urls_become_sanitised_links():
    html = render_markdown("See https://a.example/x?y=1 and http://b.example.")
    assert html == (
        f'<p>See <a href="https://a.example/x?y=1" {REL}>https://a.example/x?y=1</a> and '
        f'<a href="http://b.example" {REL}>http://b.example</a>.</p>\n'
    )
    assert count_links(html) == 2


@pytest.mark.parametrize(
    "text",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "<javascript:alert(1)>",
        "[x](javascript:alert(1))",
        "javascript://example.com/%0Aalert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "vbscript:msgbox(1)",
    ],
)
def test_a_script_url_never_becomes_a_link(text):
    html = render_markdown(f"try {text} now")
    assert "<a" not in html
    assert "href" not in html


def test_names_that_look_like_domains_stay_text():
    assert "<a" not in render_markdown("Edit app.py or www.example.com, mail me@example.com")
    assert "<a" not in render_markdown("`https://in.code/span`")


def test_the_link_limit_counts_bare_urls(app, session, monkeypatch):
    from webapp.core.actions import ActionError

    monkeypatch.setitem(app.config, "NEW_ACCOUNT_MAX_LINKS", 2)
    newcomer = factories.user()
    comp = factories.comparison()
    two = "https://a.example and https://b.example"
    assert services.do_disagree(newcomer, comp, two).body == two
    with pytest.raises(ActionError) as refused:
        services.do_disagree(newcomer, comp, two + " and https://c.example")
    assert refused.value.status == 422 and "at most 2 links" in refused.value.message
    mixed = "[a](https://a.example) https://b.example https://c.example"
    with pytest.raises(ActionError):
        services.do_disagree(newcomer, comp, mixed)


# --- one way to count characters ----------------------------------------------------------

LIMIT = 20
# 4 emoji (2 UTF-16 units each, as maxlength counts them) + 2 newlines (sent as CRLF,
# counted 1 each) + 10 letters = exactly 20.
AT_LIMIT = "😀😀" + "\r\n" + "abcde" + "\r\n" + "😀😀" + "fghij"


def test_the_count_is_the_browsers():
    assert counted_length(AT_LIMIT) == 20
    assert counted_length("a\r\nb\rc\nd") == 7
    assert counted_length("é") == 1 and counted_length("😀") == 2 and counted_length("👍🏽") == 4


@pytest.mark.parametrize(
    ("body", "written"),
    [(AT_LIMIT[:-1], True), (AT_LIMIT, True), (AT_LIMIT + "k", False), ("😀" * 11, False)],
    ids=["one under", "at the limit", "one over", "astral over"],
)
def test_the_server_refuses_exactly_what_maxlength_would(scene, app, monkeypatch, body, written):
    client, _member, _comp, first = scene
    monkeypatch.setitem(app.config, "POST_MAX_CHARS", LIMIT)
    page = client.get(f"/threads/{first.thread_id}").get_data(as_text=True)
    assert f'maxlength="{LIMIT}"' in page
    before = counts()
    response = client.post(
        f"/threads/{first.thread_id}/posts", data={"body": body, "csrf_token": client.token}
    )
    if written:
        assert response.status_code == 302, response.get_data(as_text=True)[:400]
        stored = db.session.scalars(sa.select(Post).order_by(Post.id.desc())).first()
        assert stored.body == body.replace("\r\n", "\n")  # LF newlines, as counted
        return
    shown = f"this one has {counted_length(body)}"
    assert_kept(response, 422, shown, "reply-body", kept=body[:6].replace("\r\n", "\n"))
    assert counts() == before
