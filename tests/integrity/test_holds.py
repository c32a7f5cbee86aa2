"""Held votes, hold episodes and the account actions, on SQLite and PostgreSQL: every
burst goes through cast_vote and the real recompute (in-process here), every moderator
action through its HTTP endpoint unless the test is about the service itself."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from tests import factories
from tests.helpers import csrf_token, sign_in
from tests.integrity import seeding
from tests.integrity.seeding import BRIGADE_NET, episode_of, stored, totals, votes_of
from webapp.accounts.models import User
from webapp.accounts.trust import TrustRules, trust_weight
from webapp.catalog.models import Comparison, utcnow
from webapp.discussions import moderation
from webapp.discussions import services as discussions
from webapp.extensions import db
from webapp.integrity import services as integrity
from webapp.integrity.models import HoldEpisode, ModerationAction
from webapp.verdicts import queue
from webapp.verdicts import services as verdicts
from webapp.voting.services import cast_vote, withdraw_vote

SETTLED, BURST = 10, 6


@dataclass
class Scene:
    comparison: Comparison
    editors: int  # option id of the editorial pick, which the settled members back
    pushed: int  # option id the burst pushes
    settled: list[User]
    burst: list[User]
    episode: HoldEpisode


def held_scene(name: str = "Kettle") -> Scene:
    comp = factories.comparison(f"{name}", f"{name} Stove", pick=0, age_days=30)
    editors, pushed = comp.options
    settled = seeding.settle(comp, editors, SETTLED)
    burst = seeding.burst(comp, pushed, BURST)
    episode = episode_of(comp.id)
    assert episode is not None, "the burst should have been held"
    return Scene(comp, editors.id, pushed.id, settled, burst, episode)


def fresh_weight(app) -> float:
    """What a fresh account with a verified e-mail and one active day counts."""
    return trust_weight(0.0, 1, verified=True, rules=TrustRules.from_config(app.config))


def log_rows() -> list[ModerationAction]:
    return list(db.session.scalars(sa.select(ModerationAction).order_by(ModerationAction.id)))


def snapshot(scene: Scene) -> dict:
    """What a refused action must leave alone."""
    db.session.expire_all()
    episode = db.session.get(HoldEpisode, scene.episode.id)
    verdict = stored(scene.comparison.id)
    return {
        "status": episode.status,
        "reason": episode.resolution_reason,
        "votes": [
            (v.id, v.held_at is not None, v.voided_at is not None, v.hold_episode_id)
            for v in votes_of(scene.comparison.id, [u.id for u in scene.burst])
        ],
        "log": [(a.action, a.reason) for a in log_rows()],
        "version": verdict.version,
        "held": verdict.held_votes,
    }


@pytest.fixture()
def moderator_client(app, session):
    client = app.test_client()
    moderator = factories.user(role="moderator", age_days=400)
    db.session.commit()
    sign_in(client, moderator)
    client.moderator = moderator
    client.token = csrf_token(client, "/moderation/holds")
    return client


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


def test_the_cool_off_releases_a_quiet_episode_and_leaves_a_recent_one(app, session):
    cool_off = app.config["HOLD_COOL_OFF_HOURS"]
    quiet, recent = held_scene("Quiet"), held_scene("Recent")
    age_episode(quiet.episode, cool_off + 0.5)
    age_episode(recent.episode, cool_off - 0.5)

    assert integrity.release_cooled_off() == 1
    assert episode_of(quiet.comparison.id).status == "released"
    assert episode_of(quiet.comparison.id).resolved_by_id is None
    assert episode_of(recent.comparison.id).status == "open"
    (entry,) = log_rows()
    assert entry.actor_id is None and entry.action == "release_hold"
    assert entry.episode_id == quiet.episode.id and entry.affected == BURST
    # The released comparison was recomputed after the commit; the other still holds.
    assert stored(quiet.comparison.id).held_votes == 0
    assert stored(quiet.comparison.id).counted_votes == SETTLED + BURST
    assert stored(recent.comparison.id).held_votes == BURST
    assert integrity.release_cooled_off() == 0  # nothing left that is due


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

    assert integrity.release_cooled_off() == 0
    assert episode_of(first.comparison.id).status == "open"
    # Once a moderator has dealt with the later episode, the first one cools off.
    integrity.void_episode(moderator_client.moderator, second.id, "Same accounts again.")
    assert integrity.release_cooled_off() == 1
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


# --- account actions ----------------------------------------------------------------------


def test_void_and_restore_account_votes_mark_and_change_the_verdict(
    app, session, moderator_client, monkeypatch
):
    comp = factories.comparison("Kettle", "Stove", pick=0, age_days=30)
    other = factories.comparison("Sieve", "Colander", pick=0, age_days=30)
    editors, rival = comp.options
    seeding.settle(comp, editors, 8)
    target = factories.established("sockpuppet")
    db.session.commit()
    cast_vote(target, comp, rival.id)
    cast_vote(target, other, other.options[1].id)
    before = stored(comp.id)
    version, counted = before.version, before.counted_votes
    assert totals(before)[rival.id] == pytest.approx(1.0)
    assert verdicts.stale_comparisons() == []

    # Catch the recomputes the action asks for instead of running them, to see the mark.
    asked: list[int] = []
    monkeypatch.setattr(queue, "dispatch", lambda ids: asked.extend(sorted(ids)))
    client = moderator_client
    response = client.post(
        "/u/sockpuppet/votes/void", data={"reason": "Sock puppet.", "csrf_token": client.token}
    )
    assert response.status_code == 302
    assert sorted(asked) == sorted([comp.id, other.id])
    assert set(verdicts.stale_comparisons()) == {comp.id, other.id}
    assert stored(comp.id).version == version  # nothing recomputed yet
    assert all(v.voided_at is not None for v in votes_of(comp.id, [target.id]))
    assert [(a.action, a.target_user_id, a.affected) for a in log_rows()] == [
        ("void_votes", target.id, 2)
    ]

    verdicts.recompute_verdict(comp.id)
    after = stored(comp.id)
    assert after.version == version + 1
    assert after.counted_votes == counted - 1 and totals(after)[rival.id] == 0.0
    assert comp.id not in verdicts.stale_comparisons()

    asked.clear()
    response = client.post(
        "/u/sockpuppet/votes/restore", data={"reason": "Appeal upheld.", "csrf_token": client.token}
    )
    assert response.status_code == 302
    assert sorted(asked) == sorted([comp.id, other.id])
    assert comp.id in verdicts.stale_comparisons()
    verdicts.recompute_verdict(comp.id)
    restored = stored(comp.id)
    assert restored.counted_votes == counted and totals(restored)[rival.id] == pytest.approx(1.0)
    assert [a.action for a in log_rows()] == ["void_votes", "restore_votes"]


def test_voiding_account_votes_needs_a_reason(app, session, moderator_client):
    comp = factories.comparison(age_days=30)
    target = factories.established("noreason")
    db.session.commit()
    cast_vote(target, comp, comp.options[0].id)
    client = moderator_client
    response = client.post("/u/noreason/votes/void", data={"csrf_token": client.token})
    assert response.status_code == 422
    assert all(v.voided_at is None for v in votes_of(comp.id, [target.id]))
    assert log_rows() == []


def test_a_hidden_post_strikes_the_author_and_lowers_their_weight(app, session, moderator_client):
    comp = factories.comparison("Kettle", "Stove", pick=0, age_days=30)
    editors, rival = comp.options
    seeding.settle(comp, editors, 8)
    author = factories.established("loudmouth")
    db.session.commit()
    cast_vote(author, comp, rival.id)
    post = discussions.do_open_general_thread(author, comp, "Hot take", "Stove or nothing.")
    assert totals(stored(comp.id))[rival.id] == pytest.approx(1.0)
    version = stored(comp.id).version

    moderation.do_hide(moderator_client.moderator, post)
    db.session.refresh(author)
    assert author.strikes == 1
    verdict = stored(comp.id)
    assert verdict.version == version + 1, "recomputed by the hide itself"
    rules = TrustRules.from_config(app.config)
    assert totals(verdict)[rival.id] == pytest.approx(rules.strike_factor, abs=1e-6)

    moderation.do_unhide(moderator_client.moderator, post)
    db.session.refresh(author)
    assert author.strikes == 0
    assert totals(stored(comp.id))[rival.id] == pytest.approx(1.0)


def test_suspension_takes_the_votes_out_within_one_recompute(app, session, moderator_client):
    comp = factories.comparison("Kettle", "Stove", pick=0, age_days=30)
    editors, rival = comp.options
    seeding.settle(comp, editors, 8)
    rivals = [factories.established(f"rival{i}") for i in range(3)]
    db.session.commit()
    for member in rivals:
        cast_vote(member, comp, rival.id)
    before = stored(comp.id)
    assert before.counted_votes == 11 and totals(before)[rival.id] == pytest.approx(3.0)
    version = before.version  # the same ORM row is refreshed below: keep the number

    client = moderator_client
    response = client.post(
        f"/u/{rivals[0].username}/suspend",
        data={"reason": "Ban evasion.", "csrf_token": client.token},
    )
    assert response.status_code == 302
    after = stored(comp.id)
    assert after.version == version + 1
    assert after.counted_votes == 10 and totals(after)[rival.id] == pytest.approx(2.0)
    assert [(a.action, a.target_user_id) for a in log_rows()] == [("suspend", rivals[0].id)]

    response = client.post(f"/u/{rivals[0].username}/unsuspend", data={"csrf_token": client.token})
    assert response.status_code == 302
    back = stored(comp.id)
    assert back.version == version + 2
    assert back.counted_votes == 11 and totals(back)[rival.id] == pytest.approx(3.0)


def test_unsuspension_leaves_cookies_saved_before_the_suspension_dead(
    app, session, moderator_client
):
    comp = factories.comparison("Kettle", "Stove", age_days=30)
    later = factories.comparison("Sieve", "Colander", age_days=30)
    member = factories.established("returning")
    db.session.commit()
    member_client = app.test_client()
    sign_in(member_client, member, remember=True)
    token = csrf_token(member_client, f"/compare/{comp.slug}")
    vote = {"option": comp.options[1].id, "csrf_token": token}
    # Control: the session works.
    response = member_client.post(f"/compare/{comp.slug}/vote", data=vote)
    assert response.headers["Location"] == f"/compare/{comp.slug}#your-pick"
    saved = {name: member_client.get_cookie(name).value for name in ("session", "remember_token")}

    client = moderator_client
    for action in ("suspend", "unsuspend"):
        response = client.post(f"/u/returning/{action}", data={"csrf_token": client.token})
        assert response.status_code == 302
    db.session.refresh(member)
    assert member.suspended_at is None

    for name, value in saved.items():
        member_client.set_cookie(name, value)
    response = member_client.post(
        f"/compare/{later.slug}/vote", data={"option": later.options[0].id, "csrf_token": token}
    )
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"
    assert votes_of(later.id, [member.id]) == []
    # Signing in again works: the account is active.
    fresh = app.test_client()
    sign_in(fresh, member)
    token = csrf_token(fresh, f"/compare/{later.slug}")
    response = fresh.post(
        f"/compare/{later.slug}/vote", data={"option": later.options[0].id, "csrf_token": token}
    )
    assert response.headers["Location"] == f"/compare/{later.slug}#your-pick"


# --- who may see and do what ---------------------------------------------------------------


def test_the_review_queue_is_for_moderators(app, session, client):
    scene = held_scene()
    before = snapshot(scene)
    # Signed out: to sign in, and back.
    response = client.get("/moderation/holds")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/moderation/holds"
    assert client.get(f"/moderation/holds/{scene.episode.id}").status_code == 302

    member = factories.established("curious")
    db.session.commit()
    sign_in(client, member)
    assert client.get("/moderation/holds").status_code == 403
    assert client.get(f"/moderation/holds/{scene.episode.id}").status_code == 403
    token = csrf_token(client, f"/compare/{scene.comparison.slug}")
    for action in ("release", "void"):
        response = client.post(
            f"/moderation/holds/{scene.episode.id}/{action}",
            data={"reason": "I say so.", "csrf_token": token},
        )
        assert response.status_code == 403
    for action in ("suspend", "unsuspend", "votes/void", "votes/restore"):
        response = client.post(
            f"/u/{scene.burst[0].username}/{action}", data={"reason": "x", "csrf_token": token}
        )
        assert response.status_code == 403, action
    assert snapshot(scene) == before
    db.session.refresh(scene.burst[0])
    assert scene.burst[0].suspended_at is None


def test_the_episode_page_shows_each_held_vote_to_moderators(moderator_client):
    scene = held_scene()
    html = moderator_client.get(f"/moderation/holds/{scene.episode.id}").get_data(as_text=True)
    for account in scene.burst:
        assert account.username in html
    rows = re.findall(r"<td>0\.0 days</td>", html)
    assert len(rows) == BURST
    assert html.count(f"<td>{BRIGADE_NET}</td>") == BURST
    assert 'name="reason"' in html and "Release all" in html and "Void all" in html


# --- known gap (outside webapp/integrity): kept failing on purpose --------------------------


def test_a_voided_account_cannot_revive_its_vote_by_withdrawing_and_voting_again(
    app, session, moderator_client
):
    comp = factories.comparison("Kettle", "Stove", pick=0, age_days=30)
    editors, rival = comp.options
    seeding.settle(comp, editors, 8)
    target = factories.established("reviver")
    db.session.commit()
    cast_vote(target, comp, rival.id)
    integrity.void_account_votes(moderator_client.moderator, target, "Sock puppet.")
    assert totals(stored(comp.id))[rival.id] == 0.0
    withdraw_vote(target, comp)
    cast_vote(target, comp, rival.id)
    assert totals(stored(comp.id))[rival.id] == 0.0
