"""The vote and rating forms (voting/forms.py): what a form post or participate.js's JSON
may carry, and what it gets back."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests import factories
from tests.helpers import csrf_token, sign_in
from webapp.extensions import db
from webapp.voting.models import ClaimRating, Vote


@pytest.fixture()
def voter(client, session):
    member = factories.user()
    comp = factories.comparison("Kettle", "Stove")
    sign_in(client, member)
    token = csrf_token(client, "/about")
    return client, comp, {"X-CSRFToken": token, "Accept": "application/json"}


def written() -> tuple[int, int]:
    return (
        db.session.scalar(sa.select(sa.func.count()).select_from(Vote)),
        db.session.scalar(sa.select(sa.func.count()).select_from(ClaimRating)),
    )


@pytest.mark.parametrize(
    "option, message",
    [
        (True, "The option must be a whole number."),
        ("1_0", "The option must be a whole number."),  # int() takes it
        ("\u0661", "The option must be a whole number."),  # an Arabic-Indic one: int() too
        (1.0, "The option must be a whole number."),
        (None, "Choose an option to vote for."),
        ("  ", "Choose an option to vote for."),
        (0, "That option is not part of this comparison."),
        (2**31, "That option is not part of this comparison."),
    ],
)
def test_unreadable_options_are_a_422_with_a_message(voter, option, message):
    client, comp, headers = voter
    response = client.post(f"/compare/{comp.slug}/vote", json={"option": option}, headers=headers)
    assert response.status_code == 422 and response.get_json()["message"] == message
    assert written() == (0, 0)


def test_a_vote_as_json_text_or_number(voter):
    client, comp, headers = voter
    kettle, stove = comp.options
    url = f"/compare/{comp.slug}/vote"
    assert (
        client.post(url, json={"option": kettle.id}, headers=headers).get_json()["vote"]
        == kettle.id
    )
    answer = client.post(url, json={"option": f" {stove.id} "}, headers=headers).get_json()
    assert answer["vote"] == stove.id


@pytest.mark.parametrize("body", [[1, 2], "text", 3])
def test_a_json_body_that_is_not_an_object_is_a_400(voter, body):
    client, comp, headers = voter
    response = client.post(f"/compare/{comp.slug}/vote", json=body, headers=headers)
    assert response.status_code == 400 and response.get_json()["message"] == "Send a JSON object."


@pytest.mark.parametrize(
    "importance, message",
    [
        (True, "Importance must be a whole number."),
        ("2.5", "Importance must be a whole number."),
        (5, "Importance must be from 0 to 4."),
        ("-1", "Importance must be from 0 to 4."),
    ],
)
def test_bad_importance_is_a_422(voter, importance, message):
    client, comp, headers = voter
    claim = comp.options[0].claims[0]
    response = client.post(
        f"/compare/{comp.slug}/claims/{claim.id}/rating",
        json={"importance": importance},
        headers=headers,
    )
    assert response.status_code == 422 and response.get_json()["message"] == message
    assert written() == (0, 0)


def test_null_or_blank_importance_clears_the_weight(voter):
    client, comp, headers = voter
    url = f"/compare/{comp.slug}/claims/{comp.options[0].claims[0].id}/rating"
    assert client.post(url, json={"importance": 3}, headers=headers).status_code == 200
    assert written() == (0, 1)
    assert client.post(url, json={"importance": None}, headers=headers).status_code == 200
    assert written() == (0, 0)
    client.post(url, json={"importance": "0"}, headers=headers)
    assert client.post(url, json={"importance": " "}, headers=headers).status_code == 200
    assert written() == (0, 0)


def test_an_unknown_claim_is_a_404_before_a_bad_importance(voter):
    client, comp, headers = voter
    response = client.post(
        f"/compare/{comp.slug}/claims/999999/rating", json={"importance": "7"}, headers=headers
    )
    assert response.status_code == 404
    assert response.get_json()["message"] == "That pro or con is not part of this comparison."
