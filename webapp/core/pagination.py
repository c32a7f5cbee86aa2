"""List pages: one reading of ?page= and one rule for pages past the end."""

from __future__ import annotations

from flask import abort, current_app, request

from ..extensions import db


def page_number() -> int:
    """?page= as a positive number; anything else (missing, 0, -1, "abc") is page 1."""
    page = request.args.get("page", 1, type=int)
    return page if page and page > 0 else 1


def paginate(stmt, per_page_setting: str = "PER_PAGE"):
    """Flask-SQLAlchemy pagination of ``stmt``; a page past the end of a list is a 404."""
    page = page_number()
    pagination = db.paginate(
        stmt, page=page, per_page=current_app.config[per_page_setting], error_out=False
    )
    if page > 1 and not pagination.items:
        abort(404, description=f"There is no page {page} of this list.")
    return pagination
