"""The API's documented shapes (marshmallow): the OpenAPI document is generated from
these. Field names are part of the contract: add fields, never rename or remove one."""

from __future__ import annotations

from datetime import UTC

import marshmallow as ma
from marshmallow import fields, validate

from ..core.clock import as_utc
from ..core.inputs import MAX_ID
from ..pages.services import SORTS

STATES = ["no_votes", "not_enough_votes", "too_close", "leaning", "confident"]
MAX_LIMIT = 100


class Rfc3339(fields.DateTime):
    """Times as RFC 3339 in UTC with a "Z" (SQLite hands back naive UTC datetimes)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return as_utc(value).astimezone(UTC).isoformat().replace("+00:00", "Z")


class WholeNumber(fields.Integer):
    """A JSON number that is whole (3 or 3.0, as JSON Schema's "integer"), never a string
    or a boolean."""

    def _validated(self, value):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid", input=value)
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("invalid", input=value)
        return super()._validated(int(value))


def Id(**kwargs):  # noqa: N802 - reads as a field type
    return WholeNumber(validate=validate.Range(1, MAX_ID), **kwargs)


class Out(ma.Schema):
    """Output schemas: documented, every field present (nullable ones say so)."""


# --- reading -----------------------------------------------------------------------------


class Tag(Out):
    slug = fields.String(required=True)
    name = fields.String(required=True)
    comparisons = fields.Integer(metadata={"description": "Published comparisons with it."})


class TagList(Out):
    items = fields.List(fields.Nested(Tag), required=True)


class Importance(Out):
    community = fields.Float(required=True, metadata={"description": "Trust-weighted mean, 0-4."})
    weight = fields.Float(required=True, metadata={"description": "Weighted ratings behind it."})
    editors = fields.Float(allow_none=True, required=True)


class Claim(Out):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["pro", "con"]))
    text = fields.String(required=True)
    position = fields.Integer(required=True)
    community_importance = fields.Nested(Importance, allow_none=True, required=True)


class Option(Out):
    id = fields.Integer(required=True)
    slug = fields.String(required=True)
    name = fields.String(required=True)
    description = fields.String(required=True)
    use_if = fields.String(allow_none=True, required=True)
    position = fields.Integer(required=True)
    tags = fields.List(fields.String(), required=True)
    pros = fields.List(fields.Nested(Claim), required=True)
    cons = fields.List(fields.Nested(Claim), required=True)


class OptionRef(Out):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class Editorial(Out):
    pick_option_id = fields.Integer(allow_none=True, required=True)
    summary = fields.String(allow_none=True, required=True)
    bottom_line = fields.String(allow_none=True, required=True)
    updated_at = Rfc3339(allow_none=True, required=True)


class CommunityOption(Out):
    option_id = fields.Integer(required=True)
    name = fields.String(required=True)
    share = fields.Float(required=True, metadata={"description": "The option's score, 0-1."})
    confidence = fields.Float(required=True)
    is_community_pick = fields.Boolean(required=True)
    is_editorial_pick = fields.Boolean(required=True)


class CommunityBrief(Out):
    state = fields.String(required=True, validate=validate.OneOf(STATES))
    pick_option_id = fields.Integer(allow_none=True, required=True)
    confidence = fields.Float(required=True)
    counted_votes = fields.Integer(required=True)


class Community(CommunityBrief):
    state_words = fields.String(required=True)
    headline = fields.String(required=True)
    tone = fields.String(
        required=True, validate=validate.OneOf(["agrees", "disagrees", "undecided", "waiting"])
    )
    detail = fields.String(required=True)
    weighted_votes = fields.Float(required=True)
    established_votes = fields.Integer(required=True)
    held_votes = fields.Integer(required=True)
    version = fields.Integer(required=True)
    computed_at = Rfc3339(allow_none=True, required=True)
    disagreement_thread_id = fields.Integer(allow_none=True, required=True)
    options = fields.List(fields.Nested(CommunityOption), required=True)


class ComparisonSummary(Out):
    id = fields.Integer(required=True)
    slug = fields.String(required=True)
    title = fields.String(required=True)
    intro = fields.String(required=True)
    created_at = Rfc3339(required=True)
    updated_at = Rfc3339(required=True)
    url = fields.String(required=True, metadata={"description": "The reader's page."})
    tags = fields.List(fields.String(), required=True)
    options = fields.List(fields.Nested(OptionRef), required=True)
    editorial_pick_option_id = fields.Integer(allow_none=True, required=True)
    community = fields.Nested(CommunityBrief, required=True)


class ComparisonPage(Out):
    items = fields.List(fields.Nested(ComparisonSummary), required=True)
    total = fields.Integer(required=True)
    next_cursor = fields.String(
        allow_none=True,
        required=True,
        metadata={"description": "Pass as ?cursor= for the next page; null on the last page."},
    )


class ComparisonDetail(Out):
    id = fields.Integer(required=True)
    slug = fields.String(required=True)
    title = fields.String(required=True)
    intro = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["published", "archived"]))
    created_at = Rfc3339(required=True)
    updated_at = Rfc3339(required=True)
    url = fields.String(required=True)
    tags = fields.List(fields.String(), required=True)
    options = fields.List(fields.Nested(Option), required=True)
    editorial = fields.Nested(Editorial, required=True)
    community = fields.Nested(Community, required=True)


class HistoryOption(Out):
    option_id = fields.Integer(required=True)
    share = fields.Float(required=True)
    confidence = fields.Float(required=True)


class HistoryEntry(Out):
    version = fields.Integer(required=True)
    computed_at = Rfc3339(required=True)
    state = fields.String(required=True)
    pick_option_id = fields.Integer(allow_none=True, required=True)
    confidence = fields.Float(required=True)
    weighted_votes = fields.Float(required=True)
    options = fields.List(fields.Nested(HistoryOption), required=True)


class History(Out):
    comparison = fields.String(required=True, metadata={"description": "The comparison's slug."})
    items = fields.List(
        fields.Nested(HistoryEntry), required=True, metadata={"description": "Oldest first."}
    )


class Thread(Out):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["disagreement", "general"]))
    status = fields.String(required=True, validate=validate.OneOf(["open", "resolved", "locked"]))
    title = fields.String(required=True)
    created_at = Rfc3339(required=True)
    last_activity_at = Rfc3339(required=True)
    post_count = fields.Integer(required=True)
    url = fields.String(required=True)
    conclusion_markdown = fields.String(allow_none=True, required=True)
    conclusion_html = fields.String(allow_none=True, required=True)


class ThreadPage(Out):
    items = fields.List(fields.Nested(Thread), required=True)
    total = fields.Integer(required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class Post(Out):
    id = fields.Integer(required=True)
    thread_id = fields.Integer(required=True)
    parent_id = fields.Integer(allow_none=True, required=True)
    author = fields.String(
        allow_none=True,
        required=True,
        metadata={"description": "Username; null for Crowdpick's own posts."},
    )
    created_at = Rfc3339(required=True)
    edited_at = Rfc3339(allow_none=True, required=True)
    body_markdown = fields.String(required=True)
    body_html = fields.String(required=True, metadata={"description": "Sanitised HTML."})


class ThreadDetail(Thread):
    posts = fields.List(
        fields.Nested(Post),
        required=True,
        metadata={"description": "Top-level posts, each followed by its replies."},
    )
    next_cursor = fields.String(allow_none=True, required=True)


class Member(Out):
    username = fields.String(required=True)
    role = fields.String(required=True)
    member_since = Rfc3339(required=True)
    suspended = fields.Boolean(required=True)
    votes = fields.Integer(
        required=True, metadata={"description": "Votes on published comparisons."}
    )
    url = fields.String(required=True)


# --- query arguments ---------------------------------------------------------------------


class Cursor(ma.Schema):
    cursor = fields.String(
        validate=validate.Length(max=200),
        metadata={"description": "next_cursor of the previous page."},
    )
    limit = fields.Integer(load_default=20, validate=validate.Range(1, MAX_LIMIT))


class ComparisonQuery(Cursor):
    tag = fields.String(validate=validate.Length(max=100))
    q = fields.String(validate=validate.Length(max=200), metadata={"description": "Search words."})
    sort = fields.String(load_default="active", validate=validate.OneOf(list(SORTS)))


class HistoryQuery(ma.Schema):
    limit = fields.Integer(
        load_default=200,
        validate=validate.Range(1, 1000),
        metadata={"description": "The latest this many versions."},
    )


# --- writing -----------------------------------------------------------------------------


class VoteIn(ma.Schema):
    option_id = Id(required=True)


class RatingIn(ma.Schema):
    importance = WholeNumber(
        required=True,
        allow_none=True,
        validate=validate.Range(0, 4),
        metadata={"description": "0-4, or null to clear."},
    )


class PostIn(ma.Schema):
    body = fields.String(
        required=True,
        validate=validate.Length(min=1),
        metadata={"description": "Markdown, as in the browser's form."},
    )
    parent_id = Id(allow_none=True, metadata={"description": "Reply to this post."})


class DisagreeIn(ma.Schema):
    body = fields.String(required=True, validate=validate.Length(min=1))


class VoteOut(Out):
    option_id = fields.Integer(allow_none=True, required=True)
    message = fields.String(required=True)


class RatingOut(Out):
    claim_id = fields.Integer(required=True)
    importance = fields.Integer(allow_none=True, required=True)


class PostOut(Post):
    url = fields.String(required=True)


class Problem(Out):
    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    errors = fields.List(
        fields.Dict(),
        metadata={
            "description": "For validation problems: {field, message, in} per refused field."
        },
    )
