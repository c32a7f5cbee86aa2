"""Scenes shared by the integrity tests: a comparison with settled votes and a held burst."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from tests import factories
from tests.integrity import seeding
from tests.integrity.seeding import episode_of, stored, votes_of
from webapp.accounts.models import User
from webapp.accounts.trust import TrustRules, trust_weight
from webapp.catalog.models import Comparison
from webapp.extensions import db
from webapp.integrity.models import HoldEpisode, ModerationAction

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
