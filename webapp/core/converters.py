"""URL converters shared by the blueprints."""

from werkzeug.routing import BaseConverter, IntegerConverter

from .inputs import MAX_ID


class SlugConverter(BaseConverter):
    """Slug path segments: word characters, hyphens and dots, at most 200 of them.
    Anything else (NUL bytes, slashes, huge segments) never reaches a query; it is a plain
    404. The dot is for usernames registered before the one username rule
    (webapp/accounts/usernames.py) refused it: those accounts keep their profile, suspend
    and void pages. No comparison or tag slug has one, so there it finds nothing."""

    regex = r"[\w.-]{1,200}"


class IdConverter(IntegerConverter):
    """``<int:...>`` for database ids: ASCII digits up to the largest INTEGER id. A larger
    number (``/threads/<30 digits>``) matches no route, a 404, and never reaches the
    database, which would refuse it with an error."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)
