"""Catalog pages that need nothing but the catalog. Pages that combine it with verdicts,
votes or discussions (home, tag, comparison) live in webapp/pages."""

from __future__ import annotations

from flask import Blueprint, render_template

from . import services

bp = Blueprint("catalog", __name__)


@bp.get("/tags")
def tags():
    return render_template("catalog/tags.html", tags=services.tag_counts())
