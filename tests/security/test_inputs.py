"""Hostile values get a clear 4xx, never a 500: control characters in any form field
(core/inputs.py), bodies over MAX_CONTENT_LENGTH, pages and ids out of range, and vote
values that only look like numbers. Each runs on SQLite and on PostgreSQL (which refuses
NUL in text and integers past its column types with errors)."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from tests import factories
from tests.helpers import csrf_token, sign_in
from webapp.accounts.models import User
from webapp.discussions import services as discussions
from webapp.discussions.models import Flag, Post, Thread
from webapp.extensions import db
from webapp.voting.models import Vote


@dataclass
class Scene:
    client: object
    token: str
    slug: str
    thread_id: int
    post_id: int
    option_id: int
    member: User
    target: User


@pytest.fixture()
def scene(app, session):
    comp = factories.comparison("Kettle", "Stove", tags={"Kettle": ["kitchen"]})
    author = factories.user()
    moderator = factories.user(role="moderator", age_days=400)
    post = discussions.do_disagree(author, comp, "The editors undervalue the stove.")
    client = app.test_client()
    sign_in(client, moderator)
    return Scene(
        client=client,
        token=csrf_token(client, f"/threads/{post.thread_id}"),
        slug=comp.slug,
        thread_id=post.thread_id,
        post_id=post.id,
        option_id=comp.options[1].id,
        member=moderator,
        target=author,
    )


def counts() -> tuple[int, ...]:
    db.session.expire_all()
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Post, Thread, Flag, User)
    ) + (db.session.scalar(sa.select(sa.func.count()).where(User.suspended_at.is_not(None))),)


def hostile_posts(scene: Scene, bad: str) -> dict[str, tuple[str, dict]]:
    return {
        "post": (f"/threads/{scene.thread_id}/posts", {"body": f"A point{bad} of mine."}),
        "thread title": (
            f"/compare/{scene.slug}/discussion",
            {"title": f"Title{bad}", "body": "A fair body."},
        ),
        "flag note": (f"/posts/{scene.post_id}/flag", {"reason": "spam", "note": f"ad{bad}"}),
        "suspend reason": (f"/u/{scene.target.username}/suspend", {"reason": f"spam{bad}"}),
        "edit": (f"/posts/{scene.post_id}/edit", {"body": f"Edited{bad}"}),
    }


@pytest.mark.parametrize("bad", ["\x00", "\x1b[31m", "\x7f", "\x85"])
@pytest.mark.parametrize("action", ["post", "thread title", "flag note", "suspend reason", "edit"])
def test_control_characters_in_a_form_are_a_422_that_writes_nothing(scene, action, bad):
    path, form = hostile_posts(scene, bad)[action]
    before = counts()
    response = scene.client.post(path, data={**form, "csrf_token": scene.token})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f"U+{ord(bad[0]):04X}" in page and "control character" in page
    assert counts() == before


def test_tabs_and_line_breaks_in_a_post_are_fine(scene):
    response = scene.client.post(
        f"/threads/{scene.thread_id}/posts",
        data={"body": "First line\r\n\tindented second line", "csrf_token": scene.token},
    )
    assert response.status_code == 302


def test_a_thread_title_stays_on_one_line(scene):
    before = counts()
    response = scene.client.post(
        f"/compare/{scene.slug}/discussion",
        data={"title": "Two\r\nlines", "body": "A body.", "csrf_token": scene.token},
    )
    assert response.status_code == 422
    assert "Keep the title on one line." in response.get_data(as_text=True)
    assert counts() == before


def test_json_strings_are_checked_too(scene):
    response = scene.client.post(
        f"/compare/{scene.slug}/vote",
        json={"option": "1\x00"},
        headers={"X-CSRFToken": scene.token, "Accept": "application/json"},
    )
    assert response.status_code == 422
    assert "U+0000" in response.get_json()["message"]


def test_nul_in_the_login_field_is_a_422(client, caplog):
    factories.user("guessed")
    response = client.post(
        "/login",
        data={
            "login": "guessed\x00",
            "password": "whatever-it-is",
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 422
    assert "U+0000" in response.get_data(as_text=True)
    # And no traceback in the log (the probe's 500s each logged one).
    assert [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")] == []


@pytest.mark.parametrize("field", ["username", "email", "password"])
def test_nul_in_registration_fields_is_a_422(client, field):
    data = {
        "username": "newcomer",
        "email": "newcomer@example.com",
        "password": factories.PASSWORD,
        "confirm": factories.PASSWORD,
        "csrf_token": csrf_token(client, "/register"),
    }
    data[field] += "\x00"
    response = client.post("/register", data=data)
    assert response.status_code == 422
    assert "U+0000" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


# --- size -----------------------------------------------------------------------------------


class CountingStream(io.BytesIO):
    def __init__(self, data: bytes):
        super().__init__(data)
        self.consumed = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.consumed += len(chunk)
        return chunk

    def readline(self, size=-1):
        line = super().readline(size)
        self.consumed += len(line)
        return line


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain"])
def test_a_body_over_the_limit_is_a_413_before_anything_reads_it(app, client, content_type):
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert limit and limit <= 2_000_000
    body = b"login=" + b"a" * (limit + 10)
    stream = CountingStream(body)
    response = client.post(
        "/login",
        input_stream=stream,
        content_type=content_type,
        headers={"Content-Length": str(len(body))},
    )
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "more than this site takes in one request" in page
    assert stream.consumed == 0


def test_a_body_over_the_limit_answers_json_to_json_clients(client, scene):
    response = scene.client.post(
        f"/compare/{scene.slug}/vote",
        data=b"x" * (2 * 1_048_576),
        content_type="application/json",
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 413
    assert "more than this site takes" in response.get_json()["message"]


# --- pages and ids --------------------------------------------------------------------------

HUGE = "9999999999999999999"


def test_huge_page_numbers_are_404_on_every_list(app, scene):
    lists = [
        "/",
        "/?q=kettle",
        "/tags/kitchen",
        "/disagreements",
        f"/compare/{scene.slug}/discussion",
        f"/threads/{scene.thread_id}",
        f"/u/{scene.target.username}",
        "/moderation/flags",
        "/moderation/holds",
    ]
    for path in lists:
        joiner = "&" if "?" in path else "?"
        response = scene.client.get(f"{path}{joiner}page={HUGE}")
        assert response.status_code == 404, path
        assert scene.client.get(path).status_code == 200, path


@pytest.mark.parametrize(
    "path",
    [
        "/threads/" + "1" * 30,
        "/threads/2147483648",
        "/threads/0",
        "/posts/" + "9" * 30 + "/edit",
        "/moderation/holds/" + "9" * 30,
    ],
)
def test_ids_too_large_for_the_database_are_404(scene, path):
    assert scene.client.get(path).status_code == 404


@pytest.mark.parametrize(
    "method_path",
    [
        ("POST", "/threads/{huge}/posts"),
        ("POST", "/posts/{huge}/flag"),
        ("POST", "/threads/{huge}/lock"),
        ("POST", "/compare/{slug}/claims/{huge}/rating"),
    ],
)
def test_huge_ids_in_actions_are_404(scene, method_path):
    method, path = method_path
    url = path.format(huge="1" * 30, slug=scene.slug)
    response = scene.client.open(url, method=method, data={"csrf_token": scene.token})
    assert response.status_code == 404


@pytest.mark.parametrize("quote", [HUGE * 2, "²", "-1", "1e3"])
def test_odd_quote_ids_just_quote_nothing(scene, quote):
    response = scene.client.get(f"/threads/{scene.thread_id}?quote={quote}")
    assert response.status_code == 200


@pytest.mark.parametrize("parent", [HUGE * 2, "²", "--1", "0"])
def test_odd_parent_ids_are_a_422(scene, parent):
    before = counts()
    response = scene.client.post(
        f"/threads/{scene.thread_id}/posts",
        data={"body": "A reply.", "parent_id": parent, "csrf_token": scene.token},
    )
    assert response.status_code == 422
    assert counts() == before


@pytest.mark.parametrize("option", ["--1", "²", "١", "1_0", "+1", " 1 2", HUGE])
def test_vote_values_that_only_look_like_numbers_are_a_422(scene, option):
    response = scene.client.post(
        f"/compare/{scene.slug}/vote",
        data={"option": option, "csrf_token": scene.token},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Vote)) == 0


@pytest.mark.parametrize("importance", ["--1", "²", "³"])
def test_rating_values_that_only_look_like_numbers_are_a_422(app, scene, importance):
    from webapp.catalog.models import Claim

    claim = db.session.scalars(sa.select(Claim.id)).first()
    response = scene.client.post(
        f"/compare/{scene.slug}/claims/{claim}/rating",
        data={"importance": importance, "csrf_token": scene.token},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 422


def test_a_refused_control_character_keeps_the_text_for_the_form(scene):
    """Pasted text with a control character is refused (422) but not lost: the page shows
    it without that character, keyed for drafts.js to put back into the same reply form,
    with a link back to the thread."""
    thread = f"/threads/{scene.thread_id}"
    response = scene.client.post(
        f"{thread}/posts",
        data={
            "body": "Pasted\x01 from <somewhere>",
            "parent_id": str(scene.post_id),
            "csrf_token": scene.token,
        },
        headers={"Referer": f"http://localhost{thread}"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "U+0001" in page and "Unprocessable" not in page
    assert "Pasted from &lt;somewhere&gt;</textarea>" in page
    assert f'data-draft-key="{thread}/posts|{scene.post_id}"' in page
    assert f'href="{thread}"' in page


def test_json_nested_past_the_parser_is_a_422_not_a_500(scene):
    deep = "[" * 5000 + "]" * 5000
    response = scene.client.post(
        f"/compare/{scene.slug}/vote",
        data=deep,
        headers={"Content-Type": "application/json", "X-CSRFToken": scene.token},
    )
    assert response.status_code == 422
    assert "nested too deeply" in response.get_json()["message"]
