"""The reader's comparison page for an editor: the same template and the same context as
``pages.comparison`` builds (from the services below the editor), for a draft too, with
no member's inputs, so the page shows no vote or rating controls."""

from __future__ import annotations

from ..catalog.models import Comparison
from ..discussions.pick_changes import latest_pick_change
from ..discussions.services import latest_posts
from ..verdicts.services import page_data
from ..verdicts.spread import claim_context
from ..voting.models import IMPORTANCE_LABELS


def preview_context(comparison: Comparison) -> dict:
    community = page_data(comparison)
    return {
        "comparison": comparison,
        # No member's inputs: the page renders no vote form and no rating selects.
        "inputs": None,
        "latest_posts": latest_posts(comparison),
        "community": community,
        "disagreement": community["thread"],
        "importance_labels": IMPORTANCE_LABELS,
        **claim_context(comparison, community),
        "pick_change": latest_pick_change(comparison.id),
        # For templates that want to leave out what a preview cannot use.
        "preview": True,
    }
