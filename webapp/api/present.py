"""Rows and the pages' presenting objects as the API's plain data (schemas.py documents
the shapes). No queries here: callers pass what the services loaded."""

from __future__ import annotations

from flask import url_for

from ..core.clock import as_utc
from ..verdicts import presenting

NAMED = (presenting.LEANING, presenting.CONFIDENT)


def page_url(endpoint: str, **values) -> str:
    return url_for(endpoint, _external=True, **values)


def tag_slugs(comparison) -> list[str]:
    return sorted({t.slug for o in comparison.options for t in o.tags})


def latest(*moments):
    found = [as_utc(m) for m in moments if m is not None]
    return max(found) if found else None


def community_brief(verdict) -> dict:
    if presenting.no_votes(verdict):
        return {"state": "no_votes", "pick_option_id": None, "confidence": 0.0, "counted_votes": 0}
    return {
        "state": verdict.state,
        # Named only when the card names it (leaning or confident), as on the pages.
        "pick_option_id": verdict.pick_option_id if verdict.state in NAMED else None,
        "confidence": verdict.confidence,
        "counted_votes": verdict.counted_votes,
    }


def _comparison_base(comparison) -> dict:
    """The fields the list and the detail share (one place, so they cannot drift)."""
    return {
        "id": comparison.id,
        "slug": comparison.slug,
        "title": comparison.title,
        "intro": comparison.intro or "",
        "created_at": comparison.created_at,
        "updated_at": comparison.updated_at,
        "url": page_url("pages.comparison", slug=comparison.slug),
        "tags": tag_slugs(comparison),
    }


def comparison_summary(comparison, verdict) -> dict:
    pick = comparison.verdict.picked_option_id if comparison.verdict else None
    return {
        **_comparison_base(comparison),
        "options": [{"id": o.id, "name": o.name} for o in comparison.options],
        "editorial_pick_option_id": pick,
        "community": community_brief(verdict),
    }


def _claim(claim, weights: dict) -> dict:
    weight = weights.get(claim.id)
    return {
        "id": claim.id,
        "kind": claim.kind,
        "text": claim.text,
        "position": claim.position,
        "community_importance": None
        if weight is None
        else {"community": weight.community, "weight": weight.weight, "editors": weight.editors},
    }


def community(card) -> dict:
    """The comparison page's community card (verdicts.presenting.Card) as data."""
    lead = card.lead
    return {
        "state": card.state,
        "state_words": card.state_words,
        "headline": card.headline,
        "tone": card.tone,
        "detail": card.detail,
        "pick_option_id": lead.option_id if lead else None,
        "confidence": card.confidence,
        "counted_votes": card.counted_votes,
        "weighted_votes": card.weighted_votes,
        "established_votes": card.established_votes,
        "held_votes": card.held_votes,
        "version": card.version,
        "computed_at": card.computed_at,
        "disagreement_thread_id": card.thread_id,
        "options": [
            {
                "option_id": bar.option_id,
                "name": bar.name,
                "share": bar.score,
                "confidence": bar.confidence,
                "is_community_pick": bar.is_community_pick,
                "is_editorial_pick": bar.is_editorial_pick,
            }
            for bar in card.bars
        ],
    }


def comparison_detail(comparison, card) -> dict:
    verdict = comparison.verdict
    return {
        **_comparison_base(comparison),
        "status": comparison.status,
        "options": [
            {
                "id": o.id,
                "slug": o.slug,
                "name": o.name,
                "description": o.description or "",
                "use_if": o.use_if,
                "position": o.position,
                "tags": [t.slug for t in o.tags],
                "pros": [_claim(c, card.claims) for c in o.pros],
                "cons": [_claim(c, card.claims) for c in o.cons],
            }
            for o in comparison.options
        ],
        "editorial": {
            "pick_option_id": verdict.picked_option_id if verdict else None,
            "summary": verdict.summary if verdict else None,
            "bottom_line": verdict.bottom_line if verdict else None,
            "updated_at": verdict.updated_at if verdict else None,
        },
        "community": community(card),
    }


def history_entry(row) -> dict:
    return {
        "version": row.version,
        "computed_at": row.computed_at,
        "state": row.state,
        "pick_option_id": row.pick_option_id,
        "confidence": row.confidence,
        "weighted_votes": row.weighted_votes,
        "options": [
            {
                "option_id": item["option"],
                "share": item.get("score", 0.0),
                "confidence": item.get("confidence", 0.0),
            }
            for item in row.options or []
        ],
    }


def thread(row) -> dict:
    return {
        "id": row.id,
        "kind": row.kind,
        "status": row.status,
        "title": row.title,
        "created_at": row.created_at,
        "last_activity_at": row.last_activity_at,
        "post_count": row.post_count or 0,
        "url": page_url("discussions.thread", thread_id=row.id),
        "conclusion_markdown": row.conclusion,
        "conclusion_html": row.conclusion_html,
    }


def post(row) -> dict:
    return {
        "id": row.id,
        "thread_id": row.thread_id,
        "parent_id": row.parent_id,
        "author": row.author.username if row.author else None,
        "created_at": row.created_at,
        "edited_at": row.edited_at,
        "body_markdown": row.body,
        "body_html": row.body_html,
    }


def is_shown(row) -> bool:
    """Hidden (moderated) and deleted posts are never in the API."""
    return row.hidden_at is None and row.deleted_at is None


def member(user, votes: int) -> dict:
    return {
        "username": user.username,
        "role": user.role,
        "member_since": user.created_at,
        "suspended": user.suspended_at is not None,
        "votes": votes,
        "url": page_url("pages.profile", username=user.username),
    }
