"""Agreement between the community and the editors, with hysteresis, and the system posts
that mark its changes.

- Entering disagreement needs a confident community pick other than the editorial pick.
- Once disagreeing, the state sticks (no posts) until the community comes back to the
  editorial pick at least "leaning"; then one "back in agreement" post.
So a verdict that wavers around a threshold produces no storm of posts.
"""

from __future__ import annotations

from ..catalog.models import Comparison
from ..discussions import services as discussions
from ..scoring.verdict import CONFIDENT, LEANING, Verdict, disagrees
from .models import CommunityVerdict
from .presenting import claim_gaps


def next_alignment(previous: str, verdict: Verdict, editorial_pick: int | None) -> str:
    if disagrees(verdict, editorial_pick):
        return "disagrees"
    agrees_now = verdict.pick == editorial_pick and verdict.state in (LEANING, CONFIDENT)
    if previous == "disagrees":
        return "agrees" if agrees_now else "disagrees"
    return "agrees" if agrees_now else "neutral"


def announce(
    comparison: Comparison,
    stored: CommunityVerdict,
    previous: str,
    verdict: Verdict,
    editorial_pick: int | None,
) -> None:
    """Post on a change of alignment; runs inside the recompute's locked transaction."""
    if stored.alignment == previous:
        return
    names = {o.id: o.name for o in comparison.options}
    if stored.alignment == "disagrees":
        # Opens the community's thread, or turns an open members' question into it.
        discussions.record_community_disagreement(
            comparison, disagreement_summary(names, stored, editorial_pick)
        )
    elif previous == "disagrees" and stored.alignment == "agrees":
        thread = discussions.current_disagreement(comparison.id)
        if thread is not None:
            pick = names.get(editorial_pick, "the editorial pick")
            discussions.add_system_post(
                thread,
                f"The community is back with the editors: it now leans to **{pick}** "
                f"({stored.confidence:.0%} confidence, "
                f"{stored.weighted_votes:.1f} weighted votes).",
            )


def disagreement_summary(
    names: dict[int, str], stored: CommunityVerdict, editorial_pick: int | None
) -> str:
    pick = names.get(stored.pick_option_id, "another option")
    editors = names.get(editorial_pick, "their pick")
    shares = ", ".join(f"{names.get(o['option'], '?')} {o['score']:.0%}" for o in stored.options)
    lines = [
        f"The community now picks **{pick}** over the editors' **{editors}**, confidently "
        f"({stored.weighted_votes:.1f} weighted votes).",
        "",
        f"Share of the community score: {shares}.",
    ]
    gaps = biggest_gaps(stored.claims)
    if gaps:
        lines += ["", "Where the community weighs the pros and cons differently from the editors:"]
        lines += [f"- {text}" for text in gaps]
    return "\n".join(lines)


def biggest_gaps(claims: dict, limit: int = 3) -> list[str]:
    """The claims the community weighs most differently from the editors, as lines."""
    from ..catalog.models import Claim
    from ..extensions import db

    out = []
    for gap in claim_gaps(claims)[:limit]:
        claim = db.session.get(Claim, gap.claim_id)
        if claim is not None:
            # An unrated claim's editorial weight is the prior, not the editors' view.
            editors = (
                f"editors {gap.editors:.1f}/4" if gap.editors_rated else "not rated by editors"
            )
            out.append(
                f"“{claim.text}” ({claim.kind} of {claim.option.name}): community "
                f"{gap.community:.1f}/4, {editors}"
            )
    return out
