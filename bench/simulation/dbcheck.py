"""The same timelines through the database path: real rows with explicit timestamps in
a throw-away SQLite file, ``recompute_verdict`` (detect_and_hold, then the aggregate SQL,
then compute) at every moment the pure run recomputed, and ``release_cooled_off`` at each
sweep where the pure run released votes. Simulated time: the recompute reads its clock through
``webapp.verdicts.services.utcnow``, which is patched here (in this process only) to the
simulated moment; nothing in webapp/ is changed. Each comparison gets its own stretch of
calendar (500 days), so no sweep touches a comparison before its last read (episodes whose
accounts never reach HOLD_ESTABLISHED, the cool-off's release bar, stay open, and a later
comparison's sweep may release them, after their reads)."""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock

from .engine import Rules, Run
from .population import Ballot, World

BASE = datetime(2024, 1, 1, tzinfo=UTC)


@dataclass
class Agreement:
    world: int
    kind: str
    reads: int
    same_held: int
    same_verdict: int
    held: int  # votes held at the first read (pure)
    releases: int  # cool-off sweeps that released votes, replayed with release_cooled_off
    detail: list[str]


class Clock:
    def __init__(self):
        self.now = BASE

    def __call__(self):
        return self.now


def make_app(folder: Path, overrides: dict | None = None):
    os.environ["CROWDPICK_INSTANCE_PATH"] = str(folder)
    from webapp import create_app

    config = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'simulation.sqlite3'}",
        "REDIS_URL": None,
        "LOG_LEVEL": "WARNING",
    }
    return create_app({**config, **(overrides or {})})


def _moment(origin: datetime, hours: float) -> datetime:
    return origin + timedelta(hours=hours)


def _build(world: World, ballots: list[Ballot], origin: datetime):
    from webapp.accounts.models import User
    from webapp.catalog.models import Comparison, EditorialVerdict, Option
    from webapp.extensions import db

    title = f"Simulated comparison {world.index}"
    comparison = Comparison(
        title=title,
        slug=f"simulated-{world.index}-{origin:%Y%m%d}",
        status="published",
        intro="A simulated comparison.",
        created_at=origin,
    )
    for position, option_id in enumerate(world.options):
        comparison.options.append(
            Option(
                name=f"Option {option_id}",
                slug=f"option-{option_id}",
                position=position,
                description="",
                use_if="",
            )
        )
    db.session.add(comparison)
    db.session.flush()
    to_db = {o: comparison.options[i].id for i, o in enumerate(world.options)}
    db.session.add(
        EditorialVerdict(
            comparison_id=comparison.id,
            picked_option_id=to_db[world.editorial],
            bottom_line="Simulated.",
        )
    )
    users = {}
    for b in ballots:
        name = f"w{world.index}o{origin:%j%y}v{b.vote_id}"
        registered = _moment(origin, b.registered_at)
        users[b.vote_id] = User(
            username=name[:32],
            username_key=name[:32].casefold(),
            email=f"{name}@example.test",
            email_key=f"{name}@example.test",
            password_hash="not-a-hash",
            role="member",
            created_at=registered,
            email_verified_at=registered if b.verified else None,
            active_days=b.active_days,
            signup_prefix=b.prefix,
        )
    db.session.add_all(users.values())
    db.session.commit()
    return comparison.id, to_db, {vote_id: user.id for vote_id, user in users.items()}


def replay(
    app, world: World, ballots: list[Ballot], reads: list[float], origin: datetime, kind: str
) -> Agreement:
    """Run the pure timeline, then replay its recomputes on the database; compare the held
    votes and the verdict (state and pick) at each read."""
    import sqlalchemy as sa

    from webapp.extensions import db
    from webapp.integrity.services import release_cooled_off
    from webapp.verdicts.models import CommunityVerdict
    from webapp.verdicts.services import recompute_verdict
    from webapp.voting.models import Vote

    run = Run(world, ballots, Rules())
    pure = run.run(reads)
    ordered = run.ballots
    clock = Clock()
    releases = sum(event == "release" for event, _ in run.trace)
    agreement = Agreement(
        world.index, kind, len(reads), 0, 0, len(pure[reads[0]].held), releases, []
    )
    with app.app_context(), mock.patch("webapp.verdicts.services.utcnow", clock):
        comparison_id, to_db, user_of = _build(world, ordered, origin)
        from_db = {v: k for k, v in to_db.items()}
        vote_of: dict[int, int] = {}
        inserted = 0
        wanted = set(reads)
        for event, hours in run.trace:
            while inserted < len(ordered) and ordered[inserted].at <= hours:
                b = ordered[inserted]
                at = _moment(origin, b.at)
                vote = Vote(
                    user_id=user_of[b.vote_id],
                    comparison_id=comparison_id,
                    option_id=to_db[b.option],
                    created_at=at,
                    updated_at=at,
                    source_prefix=b.prefix,
                )
                db.session.add(vote)
                db.session.flush()
                vote_of[vote.id] = b.vote_id
                inserted += 1
            db.session.commit()
            clock.now = _moment(origin, hours)
            if event == "release":
                release_cooled_off(clock.now)
                continue
            recompute_verdict(comparison_id)
            if hours not in wanted:
                continue
            rows = db.session.execute(
                sa.select(Vote.id, Vote.held_at.is_not(None)).where(
                    Vote.comparison_id == comparison_id
                )
            ).all()
            held = frozenset(vote_of[i] for i, is_held in rows if is_held)
            stored = db.session.get(CommunityVerdict, comparison_id, populate_existing=True)
            pick = from_db.get(stored.pick_option_id) if stored.pick_option_id else None
            snap = pure[hours]
            same_held = held == snap.held
            same_verdict = (stored.state, pick) == (snap.crowd.state, snap.crowd.pick)
            agreement.same_held += same_held
            agreement.same_verdict += same_verdict
            if not (same_held and same_verdict):
                agreement.detail.append(
                    f"world {world.index} {kind} at +{hours - world.attack_at:.1f} h: "
                    f"db {stored.state}/{pick} held {sorted(held)}; pure "
                    f"{snap.crowd.state}/{snap.crowd.pick} held {sorted(snap.held)}"
                )
    return agreement


def _same_rules(config, rules: Rules) -> None:
    """The pure engine's rules are the app's configured ones, or the comparison is moot:
    among them the cool-off's release bar, HOLD_ESTABLISHED (release_cooled_off)."""
    from webapp.accounts.trust import TrustRules
    from webapp.integrity.brigade import HoldRules
    from webapp.scoring.verdict import Params

    configured = Rules(
        hold=HoldRules.from_config(config),
        trust=TrustRules.from_config(config),
        params=Params.from_config(config),
        cool_off=config["HOLD_COOL_OFF_HOURS"],
        baseline_days=config["HOLD_BASELINE_DAYS"],
    )
    if configured != rules:
        raise SystemExit(f"the engine's rules {rules} are not the app's {configured}")
    if rules.release_weight != config["HOLD_ESTABLISHED"]:
        raise SystemExit(
            f"the engine releases from weight {rules.release_weight}; release_cooled_off "
            f"from HOLD_ESTABLISHED {config['HOLD_ESTABLISHED']}"
        )


def check(samples: list[tuple[World, list[Ballot], list[float], str]]) -> list[Agreement]:
    """samples: (world, honest + extra ballots, read moments, label)."""
    import flask_migrate

    with tempfile.TemporaryDirectory(prefix="crowdpick-sim-") as folder:
        app = make_app(Path(folder))
        _same_rules(app.config, Rules())
        migrations = str(Path(__file__).resolve().parents[2] / "migrations")
        if not logging.getLogger().handlers:  # else alembic's own INFO logging goes on
            logging.basicConfig(level=logging.WARNING)
        with app.app_context():
            flask_migrate.upgrade(directory=migrations)
        out = []
        for n, (world, ballots, reads, kind) in enumerate(samples):
            origin = BASE + timedelta(days=500 * n)
            out.append(replay(app, world, ballots, reads, origin, kind))
        with app.app_context():
            from webapp.extensions import db

            db.session.remove()
            db.engine.dispose()
    return out
