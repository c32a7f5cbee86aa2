"""Moderators' reasons (integrity/forms.py) and the integrity pages' 404s: a bad reason is
a 422 that changes nothing, a refusal of the person comes first, and the limit is the one
REASON_MAX the page's input also carries."""

from __future__ import annotations

import sqlalchemy as sa

from tests import factories
from tests.helpers import csrf_token, sign_in
from tests.integrity.scenes import held_scene, snapshot
from webapp.accounts.models import User
from webapp.extensions import db
from webapp.integrity.models import REASON_MAX, ModerationAction
from webapp.modlog.models import LogEntry


def logged() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(ModerationAction))


def public_logged() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(LogEntry))


def test_account_reasons_are_checked_by_the_form(moderator_client):
    client = moderator_client
    factories.established("reasoned")
    db.session.commit()
    url, token = "/u/reasoned/votes/void", client.token
    for reason, message in [
        ("   ", "Give a reason: it goes into the public log."),
        ("r" * (REASON_MAX + 1), f"Keep the reason to at most {REASON_MAX} characters."),
    ]:
        response = client.post(url, data={"reason": reason, "csrf_token": token})
        assert response.status_code == 422 and message in response.text
    suspend = client.post("/u/reasoned/suspend", data={"reason": "s" * 501, "csrf_token": token})
    assert suspend.status_code == 422
    # A suspension needs a reason too (it goes into the public log).
    for path in ("/u/reasoned/suspend", "/u/reasoned/unsuspend"):
        blank = client.post(path, data={"reason": " ", "csrf_token": token})
        assert blank.status_code == 422 and "Give a reason" in blank.text
    assert logged() == 0 and public_logged() == 0
    assert (
        db.session.scalar(sa.select(User.suspended_at).where(User.username == "reasoned")) is None
    )
    stripped = client.post(url, data={"reason": "  Sock puppet.  ", "csrf_token": token})
    assert stripped.status_code == 302
    assert db.session.scalar(sa.select(ModerationAction.reason)) == "Sock puppet."


def test_a_member_without_the_role_is_refused_before_the_reason_is_judged(client, session):
    factories.established("target")
    member = factories.user()
    db.session.commit()
    sign_in(client, member)
    token = csrf_token(client, "/about")
    for path in ("/u/target/votes/void", "/u/target/votes/restore", "/u/target/suspend"):
        response = client.post(path, data={"reason": "r" * 600, "csrf_token": token})
        assert response.status_code == 403, path
    assert db.session.scalar(sa.select(User.suspended_at).where(User.username == "target")) is None


def test_a_non_moderator_closing_an_episode_is_403_whatever_the_reason(app, session):
    scene = held_scene("NotMine")
    before = snapshot(scene)
    client = app.test_client()
    sign_in(client, factories.user())
    token = csrf_token(client, "/about")
    response = client.post(f"/moderation/holds/{scene.episode.id}/void", data={"csrf_token": token})
    assert response.status_code == 403
    assert snapshot(scene) == before


def test_the_reason_input_carries_the_limit(moderator_client):
    held_scene("Limit")
    page = moderator_client.get("/moderation/holds").text
    assert f'name="reason" required maxlength="{REASON_MAX}"' in page


def test_unknown_members_and_episodes_are_the_one_404_page(moderator_client):
    client = moderator_client
    for response, description in [
        (client.get("/moderation/holds/999999"), "No hold episode with that number."),
        (
            client.post("/u/nobody-here/suspend", data={"csrf_token": client.token}),
            "No member by that name.",
        ),
    ]:
        assert response.status_code == 404
        assert "We couldn’t find that page" in response.text and description in response.text
