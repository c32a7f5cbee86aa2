"""Moderator actions on accounts (void and restore votes, suspend, strikes) reach the
verdict; who may see and do what."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests import factories
from tests.helpers import csrf_token, sign_in
from tests.integrity import seeding
from tests.integrity.scenes import (
    BURST,
    held_scene,
    log_rows,
    snapshot,
)
from tests.integrity.seeding import BRIGADE_NET, stored, totals, votes_of
from webapp.accounts.trust import TrustRules
from webapp.core.actions import ActionError
from webapp.discussions import moderation
from webapp.discussions import services as discussions
from webapp.extensions import db
from webapp.integrity import services as integrity
from webapp.verdicts import queue
from webapp.verdicts import services as verdicts
from webapp.voting.services import cast_vote, withdraw_vote

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

    response = client.post(
        f"/u/{rivals[0].username}/unsuspend",
        data={"reason": "Cleared.", "csrf_token": client.token},
    )
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
        response = client.post(
            f"/u/returning/{action}", data={"reason": "Checking.", "csrf_token": client.token}
        )
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
    # The voided vote cannot be withdrawn (that would erase its record)...
    with pytest.raises(ActionError) as refused:
        withdraw_vote(target, comp)
    assert refused.value.status == 409
    # ...and while the account is voided a changed vote stays void, and so does a vote
    # on another comparison.
    cast_vote(target, comp, editors.id)
    assert totals(stored(comp.id))[editors.id] == pytest.approx(8.0)
    other = factories.comparison("Other", "Other Stove", pick=0, age_days=30)
    seeding.settle(other, other.options[0], 8)
    cast_vote(target, other, other.options[1].id)
    assert totals(stored(other.id))[other.options[1].id] == 0.0


def test_withdrawing_and_recasting_cannot_free_a_held_vote(app, session):
    scene = held_scene("Escape")
    member = scene.burst[0]
    with pytest.raises(ActionError) as refused:
        withdraw_vote(member, scene.comparison)
    assert refused.value.status == 409
    (vote,) = votes_of(scene.comparison.id, [member.id])
    assert vote.held_at is not None and vote.hold_episode_id == scene.episode.id


def test_restoring_an_account_puts_its_held_votes_back_on_hold(app, session, moderator_client):
    scene = held_scene("Restore")
    member = scene.burst[0]
    integrity.void_account_votes(moderator_client.moderator, member, "Looks like a sock.")
    integrity.restore_account_votes(moderator_client.moderator, member, "It was not.")
    (vote,) = votes_of(scene.comparison.id, [member.id])
    assert vote.held_at is not None and vote.voided_at is None
    assert stored(scene.comparison.id).held_votes == BURST


def test_suspension_refuses_repeats_and_long_reasons(app, session, moderator_client):
    member = factories.user("repeat")
    mod = moderator_client.moderator
    long_reason = moderator_client.post(
        "/u/repeat/suspend", data={"reason": "x" * 501, "csrf_token": moderator_client.token}
    )
    assert long_reason.status_code == 422 and "at most 500 characters" in long_reason.text
    db.session.expire_all()
    assert member.suspended_at is None
    with pytest.raises(ActionError) as not_suspended:
        integrity.do_unsuspend(mod, member)
    assert not_suspended.value.status == 409
    integrity.do_suspend(mod, member, "spam")
    with pytest.raises(ActionError) as again:
        integrity.do_suspend(mod, member)
    assert again.value.status == 409
    assert [a.action for a in log_rows()] == ["suspend"]
