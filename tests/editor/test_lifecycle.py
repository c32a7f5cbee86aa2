"""Draft -> published -> archived -> published: drafts are 404 for readers, archived
comparisons stay readable with voting and rating closed (409, said in the page)."""

from __future__ import annotations

import html

import pytest

from tests import factories
from tests.helpers import csrf_token, sign_in
from webapp.catalog.models import Comparison
from webapp.extensions import db

from .scene import signed_in


def set_status(client, comp, action):
    token = csrf_token(client, f"/editor/{comp.id}/edit")
    response = client.post(
        f"/editor/{comp.id}/status", data={"action": action, "csrf_token": token}
    )
    db.session.expire_all()
    return response


def test_a_draft_is_404_for_readers_until_published(client):
    comp = factories.comparison("Kettle", "Stove", status="draft")
    assert client.get(f"/compare/{comp.slug}").status_code == 404
    signed_in(client)
    assert client.get(f"/editor/{comp.id}/edit").status_code == 200  # editors see drafts
    assert set_status(client, comp, "publish").status_code == 302
    assert db.session.get(Comparison, comp.id).status == "published"
    assert client.get(f"/compare/{comp.slug}").status_code == 200


def test_archived_stays_readable_and_refuses_votes_and_ratings(client):
    comp = factories.comparison("Kettle", "Stove")
    signed_in(client)
    assert set_status(client, comp, "archive").status_code == 302
    assert db.session.get(Comparison, comp.id).status == "archived"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/about")})
    reader = client.get(f"/compare/{comp.slug}")
    assert reader.status_code == 200
    assert "voting and rating are closed" in reader.get_data(as_text=True)
    member = factories.user()
    sign_in(client, member)
    token = csrf_token(client, f"/compare/{comp.slug}")
    option, claim = comp.options[0], comp.options[0].claims[0]
    vote = client.post(
        f"/compare/{comp.slug}/vote", data={"option": option.id, "csrf_token": token}
    )
    assert vote.status_code == 409
    assert "This comparison is archived: voting and rating are closed." in html.unescape(
        vote.get_data(as_text=True)
    )
    rating = client.post(
        f"/compare/{comp.slug}/claims/{claim.id}/rating",
        json={"importance": 3},
        headers={"X-CSRFToken": token},
    )
    assert rating.status_code == 409
    assert "voting and rating are closed" in rating.get_json()["message"]
    withdraw = client.post(f"/compare/{comp.slug}/vote/withdraw", data={"csrf_token": token})
    assert withdraw.status_code == 409


def test_archived_comparisons_can_be_published_again(client):
    comp = factories.comparison("Kettle", "Stove", status="archived")
    signed_in(client)
    assert set_status(client, comp, "publish").status_code == 302
    assert db.session.get(Comparison, comp.id).status == "published"


@pytest.mark.parametrize(
    ("status", "action"), [("draft", "archive"), ("published", "publish"), ("archived", "archive")]
)
def test_other_transitions_are_refused(client, status, action):
    comp = factories.comparison("Kettle", "Stove", status=status)
    signed_in(client)
    response = set_status(client, comp, action)
    assert response.status_code == 409
    assert db.session.get(Comparison, comp.id).status == status


def test_the_index_lists_by_status_and_searches(client):
    factories.comparison("Kettle", "Stove", status="draft")
    factories.comparison("Tea", "Coffee", status="draft")
    factories.comparison("Cats", "Dogs", status="archived")
    signed_in(client)
    drafts = client.get("/editor/?status=draft").get_data(as_text=True)
    assert (
        "Kettle vs Stove" in drafts and "Tea vs Coffee" in drafts and "Cats vs Dogs" not in drafts
    )
    searched = client.get("/editor/?status=draft&q=coffee").get_data(as_text=True)
    assert "Tea vs Coffee" in searched and "Kettle vs Stove" not in searched
    archived = client.get("/editor/?status=archived").get_data(as_text=True)
    assert "Cats vs Dogs" in archived
    assert client.get("/editor/?status=draft&page=99").status_code == 404
