"""Reads that combine domains for the composed pages. Each domain answers its own part;
this module only joins the answers."""

from __future__ import annotations

import sqlalchemy as sa

from ..catalog.models import Tag
from ..catalog.services import published_comparisons
from ..verdicts import services as verdicts

# The home page's orders: the catalog's own, then those by community verdict.
SORTS = {"newest": "Newest", **verdicts.SORTS}


def comparison_list(query: str = "", tag: Tag | None = None, sort: str = "newest") -> sa.Select:
    """Published comparisons (searched, filtered by tag) in the order ``sort`` names."""
    comparisons = published_comparisons(query, tag)
    if sort in verdicts.SORTS:
        return verdicts.sorted_by_verdict(comparisons, sort)
    return comparisons
