"""The read API on both engines: every endpoint's answer, filters, cursors, CORS,
conditional requests and bounded statements."""

from __future__ import annotations

import re

from tests import factories
from tests.api.conftest import assert_problem
from webapp.core.clock import utcnow
from webapp.discussions import services as discussions
from webapp.extensions import db
from webapp.verdicts.services import card_for, recompute_verdict
from webapp.voting import services as voting

RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def voted(comparison, picks: list[int]):
    """Established members vote (index into options), then the verdict is recomputed."""
    for index in picks:
        voting.cast_vote(factories.established(), comparison, comparison.options[index].id)
    recompute_verdict(comparison.id)


def test_list_with_filters_and_cursor(client, session):
    tagged = factories.comparison("Rustacean", "Gopher", tags={"Rustacean": ["systems"]})
    for _ in range(3):
        factories.comparison()
    factories.comparison(status="draft")
    db.session.commit()

    first = client.get("/api/v1/comparisons?limit=2&sort=newest")
    assert first.status_code == 200
    body = first.get_json()
    assert body["total"] == 4 and len(body["items"]) == 2 and body["next_cursor"]
    second = client.get(f"/api/v1/comparisons?sort=newest&cursor={body['next_cursor']}").get_json()
    assert len(second["items"]) == 2 and second["next_cursor"] is None
    slugs = [i["slug"] for i in body["items"] + second["items"]]
    assert len(set(slugs)) == 4  # no overlap between pages, drafts never listed

    by_tag = client.get("/api/v1/comparisons?tag=systems").get_json()
    assert [i["slug"] for i in by_tag["items"]] == [tagged.slug]
    assert by_tag["items"][0]["tags"] == ["systems"]
    found = client.get("/api/v1/comparisons?q=gopher").get_json()
    assert [i["slug"] for i in found["items"]] == [tagged.slug]
    item = found["items"][0]
    assert RFC3339_UTC.match(item["created_at"]) and RFC3339_UTC.match(item["updated_at"])
    assert item["community"]["state"] == "no_votes"
    assert item["editorial_pick_option_id"] == tagged.options[0].id

    # A cursor from another query is refused, not misapplied.
    other = client.get(f"/api/v1/comparisons?sort=active&cursor={body['next_cursor']}")
    assert_problem(other, 400, "cursor")
    assert_problem(client.get("/api/v1/comparisons?tag=nope"), 404)
    assert_problem(client.get("/api/v1/comparisons?sort=sideways"), 422, "sort")


def test_detail_has_both_verdicts_and_claim_importance(client, session):
    comparison = factories.comparison("Tea", "Coffee", pick=0)
    raters = [factories.established() for _ in range(3)]
    claim = comparison.options[1].pros[0]
    for rater in raters:
        voting.rate_claim(rater, comparison, claim.id, 4)
    voted(comparison, [1, 1, 1, 1, 1, 1, 0])
    response = client.get(f"/api/v1/comparisons/{comparison.slug}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["editorial"]["pick_option_id"] == comparison.options[0].id
    assert body["editorial"]["bottom_line"] == "Tea wins."
    community = body["community"]
    assert community["counted_votes"] == 7
    shares = {o["option_id"]: o["share"] for o in community["options"]}
    assert shares[comparison.options[1].id] > shares[comparison.options[0].id]
    assert community["state"] in ("leaning", "confident", "too_close", "not_enough_votes")
    assert RFC3339_UTC.match(community["computed_at"])
    coffee = body["options"][1]
    rated = next(c for c in coffee["pros"] if c["id"] == claim.id)
    expected = card_for(comparison).claims[claim.id]  # what the page shows
    assert rated["community_importance"]["community"] == expected.community > 2
    assert rated["community_importance"]["weight"] == expected.weight > 0
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Last-Modified"]


def test_etag_and_last_modified_give_304(client, session):
    comparison = factories.comparison()
    db.session.commit()
    first = client.get(f"/api/v1/comparisons/{comparison.slug}")
    etag = first.headers["ETag"]
    again = client.get(f"/api/v1/comparisons/{comparison.slug}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    since = client.get(
        f"/api/v1/comparisons/{comparison.slug}",
        headers={"If-Modified-Since": first.headers["Last-Modified"]},
    )
    assert since.status_code == 304
    # A change to the comparison changes the answer, and the ETag with it.
    comparison.title = "Renamed"
    db.session.commit()
    changed = client.get(f"/api/v1/comparisons/{comparison.slug}", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_history(client, session):
    comparison = factories.comparison()
    voted(comparison, [0, 0])
    voted(comparison, [1])
    body = client.get(f"/api/v1/comparisons/{comparison.slug}/history").get_json()
    assert body["comparison"] == comparison.slug
    versions = [e["version"] for e in body["items"]]
    assert versions == sorted(versions) and len(versions) >= 2
    assert {o["option_id"] for o in body["items"][-1]["options"]} == {
        o.id for o in comparison.options
    }
    latest = client.get(f"/api/v1/comparisons/{comparison.slug}/history?limit=1").get_json()
    assert [e["version"] for e in latest["items"]] == versions[-1:]


def test_threads_and_posts_leave_hidden_ones_out(client, session):
    comparison = factories.comparison()
    author = factories.established()
    shown = discussions.do_open_general_thread(author, comparison, "Why tea", "**Bold** claim")
    hidden = discussions.do_post(author, shown.thread, "rude words")
    hidden.hidden_at = utcnow()
    reply = discussions.do_post(factories.established(), shown.thread, "A reply", shown.id)
    db.session.commit()

    threads = client.get(f"/api/v1/comparisons/{comparison.slug}/threads").get_json()
    assert [t["id"] for t in threads["items"]] == [shown.thread_id]
    assert threads["items"][0]["post_count"] == 3
    detail = client.get(f"/api/v1/threads/{shown.thread_id}").get_json()
    posts = {p["id"]: p for p in detail["posts"]}
    assert set(posts) == {shown.id, reply.id}
    assert posts[shown.id]["body_markdown"] == "**Bold** claim"
    assert "<strong>Bold</strong>" in posts[shown.id]["body_html"]
    assert posts[reply.id]["parent_id"] == shown.id
    assert posts[shown.id]["author"] == author.username
    assert_problem(client.get("/api/v1/threads/999999"), 404)


def test_tags_and_member(client, session):
    factories.comparison("Vim", "Emacs", tags={"Vim": ["editors"]})
    voter = factories.established("reader-one")
    comparison = factories.comparison()
    voting.cast_vote(voter, comparison, comparison.options[0].id)
    tags = client.get("/api/v1/tags").get_json()["items"]
    assert {"slug": "editors", "name": "editors", "comparisons": 1} in tags
    member = client.get("/api/v1/members/reader-one").get_json()
    assert member["username"] == "reader-one" and member["votes"] == 1
    assert member["suspended"] is False and RFC3339_UTC.match(member["member_since"])
    assert "email" not in member
    assert_problem(client.get("/api/v1/members/nobody-here"), 404)


def test_cors_preflight_allows_conditional_reads(client, session):
    response = client.options(
        "/api/v1/tags",
        headers={"Origin": "https://blog.example", "Access-Control-Request-Method": "GET"},
    )
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "If-None-Match" in response.headers["Access-Control-Allow-Headers"]


def test_reads_are_rate_limited_per_client(app, client, session):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    answers = [
        client.get("/api/v1/tags", environ_base={"REMOTE_ADDR": "192.0.2.77"}) for _ in range(4)
    ]
    assert [a.status_code for a in answers[:3]] == [200, 200, 200]
    assert_problem(answers[3], 429)
    assert int(answers[3].headers["Retry-After"]) >= 1
    # Another client has its own bucket.
    other = client.get("/api/v1/tags", environ_base={"REMOTE_ADDR": "192.0.2.78"})
    assert other.status_code == 200


def test_list_statements_do_not_grow_with_items(client, session, count_queries):
    factories.comparison()
    db.session.commit()
    with count_queries() as one:
        assert len(client.get("/api/v1/comparisons?sort=newest").get_json()["items"]) == 1
    for _ in range(19):
        factories.comparison(tags={})
    db.session.commit()
    with count_queries() as twenty:
        assert len(client.get("/api/v1/comparisons?sort=newest&limit=20").get_json()["items"]) == 20
    assert len(twenty) == len(one), twenty.report()


def test_detail_statements_do_not_grow_with_options(client, session, count_queries):
    small = factories.comparison("A1", "B1", pros=1, cons=1)
    big = factories.comparison("A2", "B2", "C2", "D2", "E2", "F2", pros=5, cons=5)
    db.session.commit()
    with count_queries() as few:
        client.get(f"/api/v1/comparisons/{small.slug}")
    with count_queries() as many:
        client.get(f"/api/v1/comparisons/{big.slug}")
    assert len(many) == len(few), many.report()
