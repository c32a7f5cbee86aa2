"""Vote and rating endpoints over HTTP: forms, JSON, sign-in, CSRF and rate limits."""

import re

import pytest
import sqlalchemy as sa

from tests import factories
from tests.helpers import csrf_token, sign_in
from webapp.extensions import db, limiter
from webapp.voting.models import ClaimRating, Vote


@pytest.fixture()
def setup(client):
    member = factories.user()
    comp = factories.comparison("Kettle", "Stove")
    return member, comp


def page_token(client, comp) -> str:
    html = client.get(f"/compare/{comp.slug}").get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)


def votes():
    return db.session.execute(sa.select(Vote.user_id, Vote.option_id)).all()


def test_signed_out_form_vote_goes_to_sign_in_and_back(client, setup):
    _, comp = setup
    token = csrf_token(client)
    response = client.post(
        f"/compare/{comp.slug}/vote", data={"option": comp.options[0].id, "csrf_token": token}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/login?next=/compare/{comp.slug}"
    assert votes() == []


def test_signed_out_json_vote_is_401(client, setup):
    _, comp = setup
    response = client.post(
        f"/compare/{comp.slug}/vote",
        json={"option": comp.options[0].id},
        headers={"X-CSRFToken": csrf_token(client)},
    )
    assert response.status_code == 401
    assert response.get_json()["message"] == "Sign in first."


def test_form_vote_redirects_with_a_flash_and_shows_the_choice(client, setup):
    member, comp = setup
    sign_in(client, member)
    stove = comp.options[1]
    response = client.post(
        f"/compare/{comp.slug}/vote",
        data={"option": stove.id, "csrf_token": page_token(client, comp)},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/compare/{comp.slug}#your-pick"
    html = client.get(f"/compare/{comp.slug}").get_data(as_text=True)
    # In the "Your pick" box the redirect lands on, not at the top, out of view.
    assert re.search(r'class="live-status[^"]*"[^>]*>Your vote for Stove is saved\.</p>', html)
    assert 'class="wrap flashes"' not in html
    assert html.count("Your vote for Stove is saved.") == 1
    assert re.search(rf'value="{stove.id}" data-name="Stove" checked', html)
    assert votes() == [(member.id, stove.id)]


def test_json_vote_withdraw_and_rating(client, setup):
    member, comp = setup
    sign_in(client, member)
    headers = {"X-CSRFToken": page_token(client, comp), "Accept": "application/json"}
    kettle = comp.options[0]
    answer = client.post(
        f"/compare/{comp.slug}/vote", json={"option": kettle.id}, headers=headers
    ).get_json()
    assert answer["vote"] == kettle.id and answer["message"] == "Your vote for Kettle is saved."
    claim = kettle.claims[0]
    answer = client.post(
        f"/compare/{comp.slug}/claims/{claim.id}/rating", json={"importance": 4}, headers=headers
    ).get_json()
    assert answer["ratings"] == {str(claim.id): 4}
    answer = client.post(f"/compare/{comp.slug}/vote/withdraw", json={}, headers=headers).get_json()
    assert answer["vote"] is None and votes() == []


def test_form_rating_and_clearing(client, setup):
    member, comp = setup
    sign_in(client, member)
    claim = comp.options[1].claims[0]
    url = f"/compare/{comp.slug}/claims/{claim.id}/rating"
    client.post(url, data={"importance": "3", "csrf_token": page_token(client, comp)})
    html = client.get(f"/compare/{comp.slug}").get_data(as_text=True)
    assert "you find that point “important” (3/4)" in html
    assert re.search(
        rf'id="importance-{claim.id}"(?:(?!</fieldset>).)*value="3" checked>', html, re.S
    )
    client.post(url, data={"importance": "", "csrf_token": page_token(client, comp)})
    assert db.session.scalars(sa.select(ClaimRating)).all() == []


@pytest.mark.parametrize(
    "path, body, status",
    [
        ("vote", {"option": "999999"}, 422),
        ("vote", {"option": "x"}, 422),
        ("vote", {}, 422),
        ("claims/999999/rating", {"importance": "2"}, 404),
        ("claims/{claim}/rating", {"importance": "7"}, 422),
        ("claims/{claim}/rating", {"importance": "1.5"}, 422),
    ],
)
def test_bad_input_gets_a_4xx_message_and_writes_nothing(client, setup, path, body, status):
    member, comp = setup
    sign_in(client, member)
    url = f"/compare/{comp.slug}/" + path.format(claim=comp.options[0].claims[0].id)
    token = page_token(client, comp)
    html = client.post(url, data={**body, "csrf_token": token})
    assert html.status_code == status
    assert "<h1>" in html.get_data(as_text=True)
    as_json = client.post(url, json=body, headers={"X-CSRFToken": token})
    assert as_json.status_code == status and as_json.get_json()["message"]
    assert votes() == [] and db.session.scalars(sa.select(ClaimRating)).all() == []


def test_option_of_another_comparison_via_http(client, setup):
    member, comp = setup
    other = factories.comparison()
    sign_in(client, member)
    response = client.post(
        f"/compare/{comp.slug}/vote",
        json={"option": other.options[0].id},
        headers={"X-CSRFToken": page_token(client, comp)},
    )
    assert response.status_code == 422
    assert response.get_json()["message"] == "That option is not part of this comparison."
    assert votes() == []


def test_vote_on_a_draft_is_404(client):
    member = factories.user()
    draft = factories.comparison(status="draft")
    sign_in(client, member)
    token = csrf_token(client, "/about")
    response = client.post(
        f"/compare/{draft.slug}/vote", data={"option": draft.options[0].id, "csrf_token": token}
    )
    assert response.status_code == 404
    assert votes() == []


def test_malformed_json_body_is_400(client, setup):
    member, comp = setup
    sign_in(client, member)
    response = client.post(
        f"/compare/{comp.slug}/vote",
        data="[1,2",
        content_type="application/json",
        headers={"X-CSRFToken": page_token(client, comp)},
    )
    assert response.status_code == 400
    assert votes() == []


@pytest.mark.parametrize("style", ["form", "fetch", "json"])
def test_missing_csrf_token_is_400(client, setup, style):
    member, comp = setup
    sign_in(client, member)
    url = f"/compare/{comp.slug}/vote"
    option = comp.options[0].id
    if style == "form":
        response = client.post(url, data={"option": option})
    elif style == "fetch":  # what participate.js sends, minus the header
        response = client.post(url, json={"option": option}, headers={"Accept": "application/json"})
    else:
        response = client.post(url, json={"option": option})
    assert response.status_code == 400
    # Said in words (tests/voting/test_session_expired.py), never the library's "CSRF".
    assert "Your session has expired" in response.get_data(as_text=True)
    assert "CSRF" not in response.get_data(as_text=True)
    assert votes() == []


def test_wrong_csrf_token_is_400(client, setup):
    member, comp = setup
    sign_in(client, member)
    response = client.post(
        f"/compare/{comp.slug}/vote",
        json={"option": comp.options[0].id},
        headers={"X-CSRFToken": "forged"},
    )
    assert response.status_code == 400 and votes() == []


def test_rate_limit_gives_429_with_retry_after(app, client, setup):
    member, comp = setup
    sign_in(client, member)
    token = page_token(client, comp)
    app.config["VOTE_RATE_LIMIT"] = "3 per minute"
    limiter.reset()  # counts of earlier tests (same account ids after rollbacks) start over
    try:
        codes = [
            client.post(
                f"/compare/{comp.slug}/vote",
                json={"option": comp.options[0].id},
                headers={"X-CSRFToken": token},
            ).status_code
            for _ in range(3)
        ]
        assert codes == [200, 200, 200]
        blocked = client.post(
            f"/compare/{comp.slug}/vote",
            json={"option": comp.options[1].id},
            headers={"X-CSRFToken": token},
        )
        assert blocked.status_code == 429
        assert int(blocked.headers["Retry-After"]) > 0
        assert blocked.get_json()["error"] == "Too Many Requests"
        page = client.post(
            f"/compare/{comp.slug}/vote", data={"option": comp.options[1].id, "csrf_token": token}
        )
        assert page.status_code == 429 and "Too Many Requests" in page.get_data(as_text=True)
        assert votes() == [(member.id, comp.options[0].id)]
    finally:
        app.config["VOTE_RATE_LIMIT"] = "10000 per minute"


def test_auth_rate_limit(app, client):
    app.config["AUTH_RATE_LIMIT"] = "2 per minute"
    limiter.reset()
    try:
        codes = [
            client.post(
                "/login", data={"login": "x", "password": "y", "csrf_token": csrf_token(client)}
            ).status_code
            for _ in range(3)
        ]
        assert codes == [401, 401, 429]
    finally:
        app.config["AUTH_RATE_LIMIT"] = "10000 per minute"
