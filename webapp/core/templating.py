"""Jinja helpers shared by every domain's templates."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, request, url_for


def page_url(page: int) -> str:
    """The current URL with another page number, keeping the other query arguments."""
    args = request.args.to_dict()
    args["page"] = str(page)
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def date(value: datetime | None) -> str:
    return value.strftime("%d %b %Y") if value else ""


def register(app: Flask) -> None:
    app.jinja_env.globals["page_url"] = page_url
    app.jinja_env.filters["date"] = date
