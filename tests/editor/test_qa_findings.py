"""Findings of a QA pass over the editor area: hostile edit forms must not delete ratings
without the confirmation, a second archive click says so plainly, and an archived page
offers no voting or rating control that the server can only refuse."""

from __future__ import annotations

import html

import sqlalchemy as sa

from tests import factories
from tests.helpers import csrf_token, sign_in
from webapp.catalog import revisions
from webapp.catalog.models import Claim, Comparison
from webapp.extensions import db
from webapp.voting.models import ClaimRating
from webapp.voting.services import cast_vote, rate_claim

from .scene import post_edit, signed_in


def page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def ratings_of(claim_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(ClaimRating).where(ClaimRating.claim_id == claim_id)
    )


def test_a_rated_claim_sent_under_another_option_asks_before_its_ratings_go(client):
    comp = factories.comparison("Kettle", "Stove")
    claim = comp.options[0].pros[0]
    rate_claim(factories.established(), comp, claim.id, 3)
    signed_in(client)

    def move(c):
        # An edited page: the Kettle's rated pro is listed under the Stove instead.
        c["options"][1]["pros"].append(c["options"][0]["pros"].pop(0))

    asked = post_edit(client, comp, move, message="Moved a point")
    assert asked.status_code == 409
    assert "Confirm the removal" in page(asked) and "1 rating" in page(asked)
    assert ratings_of(claim.id) == 1
    assert revisions.latest_number(comp.id) == 0  # nothing written


def test_a_rated_pro_sent_as_a_con_asks_before_its_ratings_go(client):
    comp = factories.comparison("Kettle", "Stove")
    claim = comp.options[0].pros[0]
    rate_claim(factories.established(), comp, claim.id, 2)
    signed_in(client)

    def flip(c):
        c["options"][0]["cons"].append(c["options"][0]["pros"].pop(0))

    asked = post_edit(client, comp, flip, message="Really a con")
    assert asked.status_code == 409
    assert "1 rating" in page(asked)
    assert db.session.get(Claim, claim.id).kind == "pro"


def test_an_option_listed_twice_is_refused_and_nothing_is_written(client):
    comp = factories.comparison("Kettle", "Stove", "Microwave")
    microwave = comp.options[2]
    cast_vote(factories.established(), comp, microwave.id)
    signed_in(client)

    def twice(c):
        c["options"][2]["id"] = c["options"][1]["id"]

    refused = post_edit(client, comp, twice, message="Hostile ids")
    assert refused.status_code == 422
    assert "twice" in page(refused)
    db.session.expire_all()
    assert [o.name for o in db.session.get(Comparison, comp.id).options] == [
        "Kettle",
        "Stove",
        "Microwave",
    ]
    assert revisions.latest_number(comp.id) == 0


def test_archiving_twice_says_it_is_already_archived(client):
    comp = factories.comparison("Kettle", "Stove")
    signed_in(client)
    token = csrf_token(client, f"/editor/{comp.id}/edit")
    first = client.post(
        f"/editor/{comp.id}/status", data={"action": "archive", "csrf_token": token}
    )
    assert first.status_code == 302
    second = client.post(
        f"/editor/{comp.id}/status", data={"action": "archive", "csrf_token": token}
    )
    assert second.status_code == 409
    assert "“Kettle vs Stove” is already archived." in page(second)
    assert "A archived" not in page(second)


def test_an_archived_page_offers_a_member_no_vote_or_rating_controls(client):
    comp = factories.comparison("Kettle", "Stove", status="archived")
    member = factories.established()
    rated = comp.options[0].pros[0]
    db.session.add(
        ClaimRating(user_id=member.id, claim_id=rated.id, comparison_id=comp.id, importance=3)
    )
    db.session.commit()
    sign_in(client, member)
    body = page(client.get(f"/compare/{comp.slug}"))
    assert "voting and rating are closed" in body
    assert f"/compare/{comp.slug}/vote" not in body
    assert "/rating" not in body and 'name="importance"' not in body
    assert "You did not vote here." in body
    assert "Your weight: 3" in body


def test_the_editor_search_takes_percent_and_underscore_literally(client):
    factories.comparison("Kettle", "Stove")
    factories.comparison("Snake_case", "camelCase", title="Snake_case vs camelCase")
    signed_in(client)
    for typed in ("%", "_"):
        body = page(client.get("/editor/", query_string={"q": typed}))
        assert ("Snake_case vs camelCase" in body) is (typed == "_")
        assert "Kettle vs Stove" not in body
    assert "Kettle vs Stove" in page(client.get("/editor/", query_string={"q": "kettle"}))
