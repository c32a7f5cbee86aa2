"""The discussion authorization matrix over HTTP: every actor against every action.

Each cell builds the same scene (an author with one post in the open disagreement thread of
a fresh comparison), signs the actor in through the real /login form, performs the request
and checks the exact status and the database: an allowed action changes exactly what it
should, a refused one changes nothing at all.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from tests import factories
from tests.helpers import csrf_token, sign_in
from webapp.accounts.models import User
from webapp.discussions import services
from webapp.discussions.models import Flag, Post, Thread
from webapp.extensions import db

ACTORS = ("signed-out", "member", "author", "moderator", "editor")
ROLES = {"member": "member", "author": "member", "moderator": "moderator", "editor": "editor"}

OK = "ok"  # allowed: 302 back to the page, with the action's effect in the database
LOGIN = "login"  # signed out: 302 to /login?next=..., nothing changed

# fmt: off
MATRIX = {
    #            signed-out  member  author  moderator  editor
    "read":     (200,        200,    200,    200,       200),
    "post":     (LOGIN,      OK,     OK,     OK,        OK),
    "reply":    (LOGIN,      OK,     OK,     OK,        OK),
    "edit":     (LOGIN,      403,    OK,     403,       403),
    "delete":   (LOGIN,      403,    OK,     403,       403),
    "flag":     (LOGIN,      OK,     403,    OK,        OK),
    "hide":     (LOGIN,      403,    403,    OK,        403),
    "lock":     (LOGIN,      403,    403,    OK,        403),
    "resolve":  (LOGIN,      403,    403,    403,       OK),
    "suspend":  (LOGIN,      403,    403,    OK,        403),
}
# fmt: on

# The sentence a refused (403) action answers with.
REFUSALS = {
    "edit": "You can edit only your own posts",
    "delete": "You can delete only your own posts.",
    "flag": "You can't flag this post.",
    "hide": "Only moderators can hide posts.",
    "lock": "Only moderators can lock threads.",
    "resolve": "Only editors can resolve disagreements.",
    "suspend": "You can't suspend this account.",
}

ORIGINAL = "The editors undervalue the other option."
CELLS = [
    pytest.param(action, actor, expected, id=f"{action}-{actor}")
    for action, row in MATRIX.items()
    for actor, expected in zip(ACTORS, row, strict=True)
]


@dataclass
class Scene:
    author: User
    post: Post
    thread: Thread
    slug: str


@pytest.fixture()
def scene(app, session, monkeypatch):
    # Posting is rate limited per account and SQLite reuses rolled-back ids: lift the limit.
    monkeypatch.setitem(app.config, "POST_RATE_LIMIT", "10000 per minute")
    comparison = factories.comparison()
    author = factories.user()
    post = services.do_disagree(author, comparison, ORIGINAL)
    return Scene(author=author, post=post, thread=post.thread, slug=comparison.slug)


def state(scene: Scene) -> dict:
    """Everything any action in the matrix could change, read fresh from the database."""
    db.session.expire_all()
    post = db.session.get(Post, scene.post.id)
    thread = db.session.get(Thread, scene.thread.id)
    author = db.session.get(User, scene.author.id)
    posts = db.session.execute(
        sa.select(Post.id, Post.author_id, Post.parent_id, Post.body)
        .where(Post.thread_id == thread.id)
        .order_by(Post.id)
    ).all()
    flags = db.session.execute(
        sa.select(Flag.post_id, Flag.reporter_id, Flag.reason).order_by(Flag.id)
    ).all()
    return {
        "posts": [tuple(row) for row in posts],
        "post_count": thread.post_count,
        "body": post.body,
        "edited": post.edited_at is not None,
        "deleted": post.deleted_at is not None,
        "hidden": post.hidden_at is not None,
        "hidden_by": post.hidden_by_id,
        "status": thread.status,
        "conclusion": thread.conclusion,
        "resolved_by": thread.resolved_by_id,
        "locked_by": thread.locked_by_id,
        "flags": [tuple(row) for row in flags],
        "author_suspended": author.suspended_at is not None,
    }


def request_for(action: str, scene: Scene) -> tuple[str, str, dict]:
    """(method, path, form) of the action against the scene's post, thread or author."""
    post, thread = scene.post.id, scene.thread.id
    return {
        "read": ("GET", f"/threads/{thread}", {}),
        "post": ("POST", f"/threads/{thread}/posts", {"body": "A new point, posted."}),
        "reply": (
            "POST",
            f"/threads/{thread}/posts",
            {"body": "A reply to the author.", "parent_id": str(post)},
        ),
        "edit": ("POST", f"/posts/{post}/edit", {"body": "Edited: a clearer point."}),
        "delete": ("POST", f"/posts/{post}/delete", {}),
        "flag": ("POST", f"/posts/{post}/flag", {"reason": "spam", "note": "looks like an ad"}),
        "hide": ("POST", f"/posts/{post}/hide", {"reason": "Off topic."}),
        "lock": ("POST", f"/threads/{thread}/lock", {"reason": "Cooling off."}),
        "resolve": (
            "POST",
            f"/threads/{thread}/resolve",
            {"conclusion": "We keep the pick, for now."},
        ),
        "suspend": ("POST", f"/u/{scene.author.username}/suspend", {"reason": "Spam."}),
    }[action]


def expected_change(action: str, before: dict, actor_id: int, scene: Scene, new_id) -> dict:
    """The state after the allowed action: `before` with exactly the action's effect
    (`new_id`: the id the database gave a new post, if any)."""
    after = dict(before)
    if action == "post":
        after["posts"] = [*before["posts"], (new_id, actor_id, None, "A new point, posted.")]
        after["post_count"] += 1
    elif action == "reply":
        new = (new_id, actor_id, scene.post.id, "A reply to the author.")
        after["posts"] = [*before["posts"], new]
        after["post_count"] += 1
    elif action == "edit":
        after["body"], after["edited"] = "Edited: a clearer point.", True
        after["posts"] = [(*before["posts"][0][:3], "Edited: a clearer point.")]
    elif action == "delete":
        # The text stays for moderators; readers get a tombstone (see test_services).
        after["deleted"] = True
    elif action == "flag":
        after["flags"] = [(scene.post.id, actor_id, "spam")]
    elif action == "hide":
        after["hidden"], after["hidden_by"] = True, actor_id
    elif action == "lock":
        after["status"], after["locked_by"] = "locked", actor_id
    elif action == "resolve":
        after["status"], after["resolved_by"] = "resolved", actor_id
        after["conclusion"] = "We keep the pick, for now."
    elif action == "suspend":
        after["author_suspended"] = True
    return after


def landing(action: str, scene: Scene, after: dict) -> str:
    """Where an allowed action redirects to."""
    thread = f"/threads/{scene.thread.id}"
    if action in ("post", "reply"):
        return f"{thread}#post-{after['posts'][-1][0]}"
    if action in ("edit", "delete", "flag", "hide"):
        return f"{thread}#post-{scene.post.id}"
    if action in ("lock", "resolve"):
        return thread
    return f"/u/{scene.author.username}"


@pytest.mark.parametrize("action, actor, expected", CELLS)
def test_matrix(client, scene, action, actor, expected):
    if actor == "signed-out":
        actor_id = None
        token = csrf_token(client, "/login")
    else:
        account = scene.author if actor == "author" else factories.user(role=ROLES[actor])
        actor_id = account.id
        sign_in(client, account)
        token = csrf_token(client, f"/threads/{scene.thread.id}")
    method, path, form = request_for(action, scene)
    before = state(scene)

    if method == "GET":
        response = client.get(path)
    else:
        response = client.post(path, data={**form, "csrf_token": token})
    after = state(scene)
    text = html.unescape(response.get_data(as_text=True))

    if expected == 200:
        assert response.status_code == 200
        assert ORIGINAL in text
        assert after == before
    elif expected == LOGIN:
        assert response.status_code == 302
        target = urlsplit(response.headers["Location"])
        assert target.path == "/login"
        assert parse_qs(target.query)["next"], response.headers["Location"]
        assert after == before
    elif expected == 403:
        assert response.status_code == 403, text[:500]
        assert REFUSALS[action] in text
        assert after == before
    else:
        assert response.status_code == 302, text[:500]
        new_id = after["posts"][-1][0]
        assert new_id >= before["posts"][-1][0]
        assert after == expected_change(action, before, actor_id, scene, new_id)
        assert after != before
        assert response.headers["Location"] == landing(action, scene, after)


def test_the_matrix_covers_every_actor_and_action():
    assert len(CELLS) == 50
    assert set(MATRIX) == {
        "read",
        "post",
        "reply",
        "edit",
        "delete",
        "flag",
        "hide",
        "lock",
        "resolve",
        "suspend",
    }


# --- around the matrix ---------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/threads/{thread}/posts", "/compare/{slug}/disagree"],
    ids=["reply", "disagree"],
)
def test_signed_out_post_comes_back_to_the_discussion_after_sign_in(client, scene, path):
    token = csrf_token(client, "/login")
    before = state(scene)
    response = client.post(
        path.format(thread=scene.thread.id, slug=scene.slug),
        data={"body": "Anonymous words.", "csrf_token": token},
    )
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    back = {
        "/threads/{thread}/posts": f"/threads/{scene.thread.id}",
        "/compare/{slug}/disagree": f"/compare/{scene.slug}",
    }[path]
    assert (target.path, parse_qs(target.query)["next"]) == ("/login", [back])
    assert state(scene) == before


def test_signed_out_json_post_is_401(client, scene):
    token = csrf_token(client, "/login")
    before = state(scene)
    response = client.post(
        f"/threads/{scene.thread.id}/posts",
        json={"body": "Anonymous words."},
        headers={"Accept": "application/json", "X-CSRFToken": token},
    )
    assert response.status_code == 401
    assert response.get_json()["message"] == "Sign in first."
    assert state(scene) == before


def test_admin_may_resolve(client, scene):
    admin = factories.user(role="admin")
    sign_in(client, admin)
    token = csrf_token(client, f"/threads/{scene.thread.id}")
    response = client.post(
        f"/threads/{scene.thread.id}/resolve",
        data={"conclusion": "Settled by an admin.", "csrf_token": token},
    )
    assert response.status_code == 302
    after = state(scene)
    assert (after["status"], after["resolved_by"]) == ("resolved", admin.id)


def test_author_may_not_edit_after_the_window(client, scene):
    scene.post.created_at = scene.post.created_at.replace(year=scene.post.created_at.year - 1)
    db.session.commit()
    sign_in(client, scene.author)
    token = csrf_token(client, f"/threads/{scene.thread.id}")
    before = state(scene)
    response = client.post(
        f"/posts/{scene.post.id}/edit", data={"body": "Too late.", "csrf_token": token}
    )
    assert response.status_code == 403
    assert state(scene) == before


def test_posting_to_a_locked_thread_is_409(client, scene):
    moderator = factories.user(role="moderator")
    sign_in(client, moderator)
    token = csrf_token(client, f"/threads/{scene.thread.id}")
    assert (
        client.post(
            f"/threads/{scene.thread.id}/lock", data={"reason": "Heated.", "csrf_token": token}
        ).status_code
        == 302
    )
    before = state(scene)
    response = client.post(
        f"/threads/{scene.thread.id}/posts", data={"body": "Still here.", "csrf_token": token}
    )
    assert response.status_code == 409
    assert state(scene) == before


def test_suspended_author_is_signed_out_of_their_open_session(app, client, scene):
    """Suspension takes effect at once: the author's existing session stops working."""
    author_client = app.test_client()
    sign_in(author_client, scene.author)
    token = csrf_token(author_client, f"/threads/{scene.thread.id}")

    moderator = factories.user(role="moderator")
    sign_in(client, moderator)
    mod_token = csrf_token(client, f"/threads/{scene.thread.id}")
    response = client.post(
        f"/u/{scene.author.username}/suspend", data={"reason": "Spam.", "csrf_token": mod_token}
    )
    assert response.status_code == 302

    before = state(scene)
    assert before["author_suspended"]
    response = author_client.post(
        f"/threads/{scene.thread.id}/posts", data={"body": "Can I still post?", "csrf_token": token}
    )
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"
    assert state(scene) == before
