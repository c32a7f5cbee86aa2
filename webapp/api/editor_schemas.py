"""The editors' shapes: a comparison's content as the API takes and gives it, checked
like the editor's form (stripped text within the same lengths, no direction controls)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from ..accounts.forms import direction_control
from ..catalog.revisions import MESSAGE_MAX
from ..core.inputs import MAX_ID
from ..editor.forms import MAX_TAGS, NAME_MAX, TAG_MAX, TEXT_MAX, TITLE_MAX
from .schemas import Id, Out, WholeNumber


def _no_direction_controls(value: str) -> None:
    found = direction_control(value)
    if found:
        raise ma.ValidationError(f"Remove the invisible text-direction character ({found}).")


class Text(fields.String):
    """Typed text as the browser's forms take it: stripped, within a length."""

    def __init__(self, max_length: int, *, one_line: bool = False, min_length=None, **kwargs):
        checks = [validate.Length(min=min_length, max=max_length), _no_direction_controls]
        if one_line:
            checks.append(validate.Regexp(r"^[^\r\n]*$", error="Keep this on one line."))
        super().__init__(validate=checks, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


class ClaimIn(ma.Schema):
    id = Id(allow_none=True, load_default=None, metadata={"description": "null for a new point."})
    text = Text(TEXT_MAX, required=True)


class OptionIn(ma.Schema):
    id = Id(allow_none=True, load_default=None, metadata={"description": "null for a new option."})
    name = Text(NAME_MAX, one_line=True, required=True)
    description = Text(TEXT_MAX, load_default="")
    use_if = Text(TEXT_MAX, load_default="")
    tags = fields.List(
        Text(TAG_MAX, one_line=True), load_default=list, validate=validate.Length(max=MAX_TAGS)
    )
    pros = fields.List(fields.Nested(ClaimIn), load_default=list, validate=validate.Length(max=50))
    cons = fields.List(fields.Nested(ClaimIn), load_default=list, validate=validate.Length(max=50))


class ContentIn(ma.Schema):
    title = Text(TITLE_MAX, one_line=True, required=True, min_length=1)
    intro = Text(TEXT_MAX, load_default="")
    summary = Text(TEXT_MAX, load_default="")
    bottom_line = Text(TEXT_MAX, load_default="")
    options = fields.List(fields.Nested(OptionIn), required=True, validate=validate.Length(max=6))
    message = Text(MESSAGE_MAX, one_line=True, load_default="")


class CreateIn(ContentIn):
    pick_index = WholeNumber(
        required=True,
        validate=validate.Range(0, 5),
        metadata={"description": "Which option (0-based) is the pick."},
    )


class UpdateIn(ContentIn):
    pick = Id(required=True, metadata={"description": "The picked option's id."})
    revision = WholeNumber(required=True, validate=validate.Range(0, MAX_ID))
    digest = fields.String(required=True, validate=validate.Length(max=100))
    confirm = fields.String(
        load_default="",
        validate=validate.Length(max=50),
        metadata={"description": 'The "votes:ratings" counts a removal was confirmed for.'},
    )


class EditorComparison(Out):
    id = fields.Integer(required=True)
    slug = fields.String(required=True)
    status = fields.String(required=True)
    revision = fields.Integer(required=True)
    digest = fields.String(required=True)
    content = fields.Dict(
        required=True,
        metadata={
            "description": "title, intro, pick, summary, bottom_line, options: as PUT takes them."
        },
    )


class StatusOut(Out):
    id = fields.Integer(required=True)
    status = fields.String(required=True)
