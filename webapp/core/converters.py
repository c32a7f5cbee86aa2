"""URL converters shared by the blueprints."""

from werkzeug.routing import BaseConverter


class SlugConverter(BaseConverter):
    """Slug path segments: word characters and hyphens, at most 200 of them. Anything
    else (NUL bytes, dots, huge segments) never reaches a query; it is a plain 404."""

    regex = r"[\w-]{1,200}"
