"""A vote or rating sent without a valid session token (the session expired, or the page
outlived a sign-in) is answered in words: sign in again, your choice was not saved, with
a sign-in link back to the page. Nothing says "CSRF" and nothing is written."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests import factories
from tests.helpers import sign_in
from webapp.extensions import db
from webapp.voting.models import ClaimRating, Vote

EXPIRED = "Your session has expired — sign in again; your choice was not saved."


@pytest.fixture()
def scene(client):
    member = factories.user()
    comp = factories.comparison("Kettle", "Stove")
    sign_in(client, member)
    return member, comp


def page_token(client, comp) -> str:
    html = client.get(f"/compare/{comp.slug}").get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)


def nothing_written() -> bool:
    return (
        not db.session.execute(sa.select(Vote.id)).all()
        and not db.session.execute(sa.select(ClaimRating.id)).all()
    )


@pytest.mark.parametrize("header", [None, "stale-or-forged"])
def test_json_vote_without_a_valid_token_says_sign_in_again(client, scene, header):
    _, comp = scene
    page = f"/compare/{comp.slug}"
    response = client.post(
        f"{page}/vote",
        json={"option": comp.options[0].id},
        headers={
            "Referer": f"http://localhost{page}",
            **({"X-CSRFToken": header} if header else {}),
        },
    )
    assert response.status_code == 400
    body = response.get_json()
    assert body["message"] == EXPIRED
    assert body["sign_in"] == f"/login?next=/compare/{comp.slug}"
    assert "csrf" not in response.get_data(as_text=True).lower()
    assert nothing_written()


def test_json_rating_after_the_session_is_gone(client, scene):
    """The cookie jar emptied (the session expired): the token the page still holds no
    longer matches any session."""
    _, comp = scene
    token = page_token(client, comp)
    client.delete_cookie("session")
    response = client.post(
        f"/compare/{comp.slug}/claims/{comp.options[0].claims[0].id}/rating",
        json={"importance": 4},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 400
    assert response.get_json()["message"] == EXPIRED
    assert "csrf" not in response.get_data(as_text=True).lower()
    assert nothing_written()


def test_form_vote_without_a_token_says_it_in_words(client, scene):
    _, comp = scene
    page = f"/compare/{comp.slug}"
    response = client.post(
        f"{page}/vote",
        data={"option": comp.options[0].id},
        headers={"Referer": f"http://localhost{page}"},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Your session has expired" in html and "your choice was not saved" in html
    assert f'href="/login?next=/compare/{comp.slug}"' in html
    assert "csrf" not in re.sub(r"<meta name=\"csrf-token\"[^>]*>|csrf_token", "", html).lower()
    assert nothing_written()


def test_a_foreign_referrer_is_not_a_way_back(client, scene):
    _, comp = scene
    response = client.post(
        f"/compare/{comp.slug}/vote",
        json={"option": comp.options[0].id},
        headers={"Referer": "https://elsewhere.example/compare/x"},
    )
    assert response.get_json()["sign_in"] == "/login?next=/"
