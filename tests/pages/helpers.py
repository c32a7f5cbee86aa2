"""Rows for the home page tests: stored verdicts, votes and posts at chosen times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from webapp.discussions.models import Post, Thread
from webapp.extensions import db
from webapp.verdicts.models import CommunityVerdict, VerdictHistory
from webapp.voting.models import Vote


def ago(days: float) -> datetime:
    return datetime.now(UTC) - timedelta(days=days)


def verdict(comp, state, pick=None, scores=(0.5, 0.5), alignment="neutral", **extra):
    """A stored community verdict; ``pick``: the index of the community pick."""
    options = [
        {
            "option": o.id,
            "vote_total": 1.0,
            "vote_share": s,
            "claim_share": 0.5,
            "score": s,
            "confidence": 0.5,
        }
        for o, s in zip(comp.options, scores, strict=True)
    ]
    row = CommunityVerdict(
        comparison_id=comp.id,
        version=3,
        computed_at=ago(0),
        state=state,
        pick_option_id=comp.options[pick].id if pick is not None else None,
        confidence=extra.pop("confidence", 0.7),
        counted_votes=12,
        weighted_votes=12.0,
        alignment=alignment,
        options=options,
        claims={},
        **extra,
    )
    db.session.add(row)
    db.session.flush()
    return row


def history(comp, *picks):
    """Verdict history with these community picks (option indexes or None), oldest first."""
    for version, pick in enumerate(picks, start=1):
        db.session.add(
            VerdictHistory(
                comparison_id=comp.id,
                version=version,
                computed_at=ago(5 - version),
                state="leaning",
                pick_option_id=comp.options[pick].id if pick is not None else None,
                confidence=0.7,
                weighted_votes=10.0,
                options=[],
            )
        )
    db.session.flush()


def vote(user, comp, days_ago: float, option: int = 0):
    at = ago(days_ago)
    db.session.add(
        Vote(
            user_id=user.id,
            comparison_id=comp.id,
            option_id=comp.options[option].id,
            created_at=at,
            updated_at=at,
        )
    )
    db.session.flush()


def post(user, comp, days_ago: float):
    at = ago(days_ago)
    thread = Thread(
        comparison_id=comp.id,
        kind="general",
        title="Talk",
        opened_by_id=user.id,
        created_at=at,
        last_activity_at=at,
        post_count=1,
    )
    db.session.add(thread)
    db.session.flush()
    db.session.add(
        Post(
            thread_id=thread.id, author_id=user.id, body="hi", body_html="<p>hi</p>", created_at=at
        )
    )
    db.session.flush()
