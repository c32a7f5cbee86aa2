"""List pages: one reading of ?page= and one rule for pages past the end."""

from __future__ import annotations

from flask import abort, current_app, request

from ..extensions import db

# Far past the end of any list, and its offset still fits every database's integers.
MAX_PAGE = 1_000_000


def page_number() -> int:
    """?page= as a positive number; anything else (missing, 0, -1, "abc") is page 1. A
    number past MAX_PAGE (?page=9999999999999999999) is a 404, like any page past the end:
    its offset would overflow the database's integers."""
    page = request.args.get("page", 1, type=int)
    if page and page > MAX_PAGE:
        abort(404, description="There is no such page of this list.")
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
