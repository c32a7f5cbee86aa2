"""Held votes and hold episodes on SQLite and PostgreSQL: every burst goes through
cast_vote and the real recompute (in-process here), every moderator action through its
HTTP endpoint unless the test is about the service itself."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from tests import factories
from tests.helpers import sign_in
from tests.integrity import seeding
from tests.integrity.scenes import (
    BURST,
    SETTLED,
    fresh_weight,
    held_scene,
    log_rows,
    snapshot,
)
from tests.integrity.seeding import BRIGADE_NET, episode_of, stored, totals, votes_of
from webapp.accounts.models import User
from webapp.catalog.models import Comparison
from webapp.core.actions import ActionError
from webapp.core.clock import utcnow
from webapp.extensions import db
from webapp.integrity import services as integrity
from webapp.integrity.models import HoldEpisode
from webapp.verdicts import services as verdicts
from webapp.voting.models import Vote
from webapp.voting.services import cast_vote

# --- the detector inside the recompute ------------------------------------------------


def test_a_burst_is_held_and_its_votes_count_zero(app, session):
    scene = held_scene()
    votes = votes_of(scene.comparison.id, [u.id for u in scene.burst])
    assert len(votes) == BURST
    assert all(v.held_at is not None and v.hold_episode_id == scene.episode.id for v in votes)
    assert all(v.source_prefix == BRIGADE_NET for v in votes)
    assert scene.episode.status == "open"

    verdict = stored(scene.comparison.id)
    assert verdict.held_votes == BURST
    assert verdict.counted_votes == SETTLED and verdict.established_votes == SETTLED
    assert totals(verdict)[scene.pushed] == 0.0
    assert verdict.weighted_votes == pytest.approx(SETTLED * 1.0, abs=1e-6)
    assert verdict.pick_option_id == scene.editors and verdict.alignment == "agrees"

    evidence = scene.episode.evidence
    assert evidence["pushed_option"] == scene.pushed
    reasons = " | ".join(evidence["reasons"])
    assert f"{BURST} from one network ({BRIGADE_NET})" in reasons
    assert f"{BURST} accounts registered within 30 minutes of each other" in reasons
    assert f"{BURST} from accounts younger than 7 days" in reasons
    # The pushed option had none of the settled votes, and the evidence says so.
    assert "which had 0% of the earlier votes" in reasons


def test_without_the_detector_the_same_burst_would_count(app, session, monkeypatch):
    """The control for the test above: the numbers it checks do move with a burst."""
    monkeypatch.setitem(app.config, "HOLD_ENABLED", False)
    comp = factories.comparison("Kettle", "Stove", pick=0, age_days=30)
    editors, pushed = comp.options
    seeding.settle(comp, editors, SETTLED)
    seeding.burst(comp, pushed, BURST)
    verdict = stored(comp.id)
    assert episode_of(comp.id) is None and verdict.held_votes == 0
    assert verdict.counted_votes == SETTLED + BURST
    assert totals(verdict)[pushed.id] == pytest.approx(BURST * fresh_weight(app), abs=1e-3)


def test_established_members_arriving_together_are_not_held(app, session):
    comp = factories.comparison("Kettle", "Stove", pick=0, age_days=30)
    editors, other = comp.options
    seeding.settle(comp, editors, SETTLED)
    members = [factories.established() for _ in range(12)]
    db.session.commit()
    for i, member in enumerate(members):  # a wave for the other option, a network each
        cast_vote(member, comp, other.id, f"100.64.{i}.0/24")
    verdict = stored(comp.id)
    assert episode_of(comp.id) is None
    assert verdict.held_votes == 0 and verdict.counted_votes == SETTLED + 12


# --- releasing and voiding an episode ---------------------------------------------------


def test_release_makes_the_votes_count_and_is_logged(app, session, moderator_client):
    scene = held_scene()
    client = moderator_client
    queue_page = client.get("/moderation/holds").get_data(as_text=True)
    assert f'id="episode-{scene.episode.id}"' in queue_page
    assert f"{BRIGADE_NET} × {BURST}" in queue_page
    assert "accounts registered within 30 minutes" in queue_page

    reason = "Newsletter readers, checked with the sender."
    response = client.post(
        f"/moderation/holds/{scene.episode.id}/release",
        data={"reason": reason, "csrf_token": client.token},
    )
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/moderation/holds"
    page = client.get("/moderation/holds").get_data(as_text=True)
    assert f"Released {BURST} votes: they count again." in page
    assert "No votes are held for review." in page
    assert f"“{reason}”" in page  # the moderation log

    votes = votes_of(scene.comparison.id, [u.id for u in scene.burst])
    assert all(v.held_at is None and v.voided_at is None for v in votes)
    assert all(v.hold_episode_id == scene.episode.id for v in votes)
    episode = episode_of(scene.comparison.id)
    assert (episode.status, episode.resolution_reason) == ("released", reason)
    assert episode.resolved_by_id == client.moderator.id and episode.resolved_at is not None
    (entry,) = log_rows()
    assert (entry.action, entry.reason, entry.affected) == ("release_hold", reason, BURST)
    assert (entry.actor_id, entry.episode_id) == (client.moderator.id, scene.episode.id)

    verdict = stored(scene.comparison.id)
    assert verdict.held_votes == 0 and verdict.counted_votes == SETTLED + BURST
    assert totals(verdict)[scene.pushed] == pytest.approx(BURST * fresh_weight(app), abs=1e-3)
    # Released votes are never held again, however often the verdict is recomputed.
    db.session.execute(
        sa.update(Comparison)
        .where(Comparison.id == scene.comparison.id)
        .values(inputs_changed_at=utcnow())
    )
    db.session.commit()
    verdicts.recompute_verdict(scene.comparison.id)
    assert stored(scene.comparison.id).held_votes == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HoldEpisode)) == 1


def test_void_keeps_the_rows_counting_zero(app, session, moderator_client):
    scene = held_scene()
    client = moderator_client
    response = client.post(
        f"/moderation/holds/{scene.episode.id}/void",
        data={"reason": "One /24, registered together.", "csrf_token": client.token},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert f"Voided {BURST} votes: kept for audit, counting 0." in response.get_data(as_text=True)

    votes = votes_of(scene.comparison.id, [u.id for u in scene.burst])
    assert len(votes) == BURST, "voided votes are kept for audit"
    assert all(v.voided_at is not None and v.held_at is None for v in votes)
    assert episode_of(scene.comparison.id).status == "voided"
    (entry,) = log_rows()
    assert (entry.action, entry.affected) == ("void_hold", BURST)

    verdict = stored(scene.comparison.id)
    assert verdict.held_votes == 0 and verdict.counted_votes == SETTLED
    assert totals(verdict)[scene.pushed] == 0.0
    page = client.get(f"/compare/{scene.comparison.slug}").get_data(as_text=True)
    assert "held for review" not in page


@pytest.mark.parametrize("first", ["release", "void"])
@pytest.mark.parametrize("second", ["release", "void"])
def test_a_closed_episode_is_409(app, session, moderator_client, first, second):
    scene = held_scene()
    client = moderator_client
    url = f"/moderation/holds/{scene.episode.id}/"
    data = {"reason": "First decision.", "csrf_token": client.token}
    assert client.post(url + first, data=data).status_code == 302
    before = snapshot(scene)
    response = client.post(url + second, data={**data, "reason": "Second thoughts."})
    assert response.status_code == 409
    assert "This episode is already" in response.get_data(as_text=True)
    assert snapshot(scene) == before


@pytest.mark.parametrize("action", ["release", "void"])
@pytest.mark.parametrize(
    "reason", [None, "", "   \n ", "x" * 501], ids=["missing", "empty", "blank", "too-long"]
)
def test_a_reason_is_required(app, session, moderator_client, action, reason):
    scene = held_scene()
    client = moderator_client
    before = snapshot(scene)
    data = {"csrf_token": client.token}
    if reason is not None:
        data["reason"] = reason
    response = client.post(f"/moderation/holds/{scene.episode.id}/{action}", data=data)
    assert response.status_code == 422
    assert snapshot(scene) == before
    assert before["status"] == "open" and before["held"] == BURST


def test_a_missing_episode_is_404(moderator_client):
    client = moderator_client
    assert client.get("/moderation/holds/999999").status_code == 404
    response = client.post(
        "/moderation/holds/999999/release", data={"reason": "x", "csrf_token": client.token}
    )
    assert response.status_code == 404


# --- the cool-off -----------------------------------------------------------------------


def age_episode(episode: HoldEpisode, hours: float) -> None:
    """As if the episode had opened, and last held a vote, ``hours`` ago."""
    moment = utcnow() - timedelta(hours=hours)
    db.session.execute(
        sa.update(HoldEpisode)
        .where(HoldEpisode.id == episode.id)
        .values(opened_at=moment - timedelta(hours=1), last_held_at=moment)
    )
    db.session.commit()


def grow_up(accounts) -> None:
    """As if weeks had passed: the accounts are old, verified and active on many days."""
    db.session.execute(
        sa.update(User)
        .where(User.id.in_([a.id for a in accounts]))
        .values(
            created_at=utcnow() - timedelta(days=90),
            active_days=30,
            email_verified_at=utcnow(),
        )
    )
    db.session.commit()


def test_the_cool_off_releases_only_accounts_that_became_established(app, session):
    cool_off = app.config["HOLD_COOL_OFF_HOURS"]
    quiet, recent = held_scene("Quiet"), held_scene("Recent")
    age_episode(quiet.episode, cool_off + 0.5)
    age_episode(recent.episode, cool_off - 0.5)
    # The cool-off passed, but the accounts are as fresh as ever: nothing is released.
    assert integrity.release_cooled_off() == 0
    assert episode_of(quiet.comparison.id).status == "open"
    assert stored(quiet.comparison.id).held_votes == BURST and log_rows() == []

    # Weeks on, the accounts of both episodes have earned established weight.
    grow_up(quiet.burst)
    grow_up(recent.burst)
    assert integrity.release_cooled_off() == BURST
    assert episode_of(quiet.comparison.id).status == "released"
    assert episode_of(quiet.comparison.id).resolved_by_id is None
    assert episode_of(recent.comparison.id).status == "open"  # its cool-off is not over
    (entry,) = log_rows()
    assert entry.actor_id is None and entry.action == "release_hold"
    assert entry.episode_id == quiet.episode.id and entry.affected == BURST
    # The released comparison was recomputed after the commit; the other still holds.
    assert stored(quiet.comparison.id).held_votes == 0
    assert stored(quiet.comparison.id).counted_votes == SETTLED + BURST
    assert stored(recent.comparison.id).held_votes == BURST
    assert integrity.release_cooled_off() == 0  # nothing left that is due


def test_the_cool_off_releases_part_of_an_episode_and_keeps_the_rest(app, session):
    scene = held_scene("Part")
    age_episode(scene.episode, app.config["HOLD_COOL_OFF_HOURS"] + 1)
    grow_up(scene.burst[:2])
    assert integrity.release_cooled_off() == 2
    assert episode_of(scene.comparison.id).status == "open"
    assert stored(scene.comparison.id).held_votes == BURST - 2


def test_the_cool_off_waits_while_an_account_is_held_again_elsewhere(
    app, session, moderator_client
):
    cool_off = app.config["HOLD_COOL_OFF_HOURS"]
    first = held_scene("First")
    age_episode(first.episode, cool_off + 5)
    # The same accounts go on to brigade another comparison, and are held there.
    other = factories.comparison("Other", "Other Stove", pick=0, age_days=30)
    seeding.settle(other, other.options[0], SETTLED)
    seeding.burst(other, other.options[1], accounts=first.burst)
    second = episode_of(other.id)
    assert second is not None and second.id != first.episode.id
    grow_up(first.burst)

    assert integrity.release_cooled_off() == 0
    assert episode_of(first.comparison.id).status == "open"
    # Once a moderator has dealt with the later episode, the first one cools off.
    integrity.void_episode(moderator_client.moderator, second.id, "Same accounts again.")
    assert integrity.release_cooled_off() == BURST
    assert episode_of(first.comparison.id).status == "released"


# --- what readers see ---------------------------------------------------------------------


def test_the_comparison_page_says_votes_are_held_without_naming_anyone(client):
    scene = held_scene()
    html = client.get(f"/compare/{scene.comparison.slug}").get_data(as_text=True)
    assert f"{BURST} recent votes are held for review" in html
    assert f'data-held="{BURST}"' in html
    for account in scene.burst:
        assert account.username not in html
    assert BRIGADE_NET not in html
    # The live card the page polls says the same.
    card = client.get(f"/compare/{scene.comparison.slug}/community").get_data(as_text=True)
    assert f"{BURST} recent votes are held for review" in card


def test_a_voided_wave_does_not_raise_the_bar_for_the_next_one(app, session):
    # 400 throw-away votes two days ago, voided by a moderator since. They are not the
    # comparison's normal rate: the next burst of six is still a surge, and held.
    comp = factories.comparison("Wave", "Wave Stove", pick=0, age_days=30)
    editors, pushed = comp.options
    seeding.settle(comp, editors, SETTLED)
    two_days_ago = utcnow() - timedelta(days=2)
    ids = db.session.scalars(
        sa.insert(User).returning(User.id),
        [
            {
                "username": f"wave{i}",
                "username_key": f"wave{i}",
                "email": f"wave{i}@example.test",
                "email_key": f"wave{i}@example.test",
                "password_hash": "x",
                "created_at": two_days_ago,
            }
            for i in range(400)
        ],
    ).all()
    db.session.execute(
        sa.insert(Vote),
        [
            {
                "user_id": user_id,
                "comparison_id": comp.id,
                "option_id": pushed.id,
                "created_at": two_days_ago,
                "updated_at": two_days_ago,
                "voided_at": two_days_ago,
            }
            for user_id in ids
        ],
    )
    db.session.commit()
    seeding.burst(comp, pushed, BURST)
    assert stored(comp.id).held_votes == BURST


def test_a_held_voter_is_told_their_vote_counts_zero_for_now(app, session, client):
    scene = held_scene("Told")
    sign_in(client, scene.burst[0])
    html = client.get(f"/compare/{scene.comparison.slug}").get_data(as_text=True)
    assert 'data-on-hold="held"' in html and "counts 0 until moderators" in html
    assert "Your vote counts <strong>" not in html


def test_a_refused_reason_comes_back_on_the_queue_with_the_typed_text(moderator_client):
    scene = held_scene("Typed")
    client = moderator_client
    response = client.post(
        f"/moderation/holds/{scene.episode.id}/void",
        data={"reason": "x" * 600, "csrf_token": client.token},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="reason-{scene.episode.id}-error"' in html and "at most 500 characters" in html
    assert 'value="' + "x" * 600 + '"' in html  # what was typed is kept, all of it
    assert episode_of(scene.comparison.id).status == "open"


def test_the_cool_off_keeps_aged_sleepers_held(app, session):
    # Months-old verified accounts with one active day weigh about 0.68: established for
    # the verdict, still suspicious to the detector. Waiting does not release them.
    scene = held_scene("Sleepers")
    db.session.execute(
        sa.update(User)
        .where(User.id.in_([a.id for a in scene.burst]))
        .values(created_at=utcnow() - timedelta(days=90), email_verified_at=utcnow())
    )
    db.session.commit()
    age_episode(scene.episode, app.config["HOLD_COOL_OFF_HOURS"] + 1)
    assert integrity.release_cooled_off() == 0
    assert stored(scene.comparison.id).held_votes == BURST


def test_without_a_beat_the_next_recompute_request_runs_the_cool_off(app, session):
    # The one-machine default has no Celery beat: any vote's in-process recompute also
    # runs the cool-off (at most once per sweep interval).
    scene = held_scene("NoBeat")
    age_episode(scene.episode, app.config["HOLD_COOL_OFF_HOURS"] + 1)
    grow_up(scene.burst)
    app.extensions.pop("crowdpick_cool_off_at", None)
    elsewhere = factories.comparison("Elsewhere", "Elsewhere Stove", pick=0)
    voter = factories.established("nobeat-voter")
    db.session.commit()
    cast_vote(voter, elsewhere, elsewhere.options[0].id)
    assert episode_of(scene.comparison.id).status == "released"
    assert stored(scene.comparison.id).held_votes == 0


def test_a_closed_episode_is_409_even_without_a_reason(moderator_client):
    scene = held_scene("Closed")
    client = moderator_client
    integrity.release_episode(client.moderator, scene.episode.id, "Real surge.")
    for reason in ("", "  "):
        response = client.post(
            f"/moderation/holds/{scene.episode.id}/void",
            data={"reason": reason, "csrf_token": client.token},
        )
        assert response.status_code == 409
        assert "already released" in response.get_data(as_text=True)


def test_a_held_vote_cannot_be_switched_to_another_option(app, session):
    scene = held_scene("Switch")
    member = scene.burst[0]
    with pytest.raises(ActionError) as refused:
        cast_vote(member, scene.comparison, scene.editors)
    assert refused.value.status == 409
    (vote,) = votes_of(scene.comparison.id, [member.id])
    assert vote.option_id == scene.pushed and vote.held_at is not None
