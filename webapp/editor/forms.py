"""The comparison edit form: the comparison's own fields, then each option with its pros
and cons as nested lists (``options-0-name``, ``options-0-pros-1-text``), so one plain
form post carries the whole content, without JavaScript."""

from __future__ import annotations

from types import SimpleNamespace

from flask_wtf.file import FileField
from wtforms import FieldList, Form, FormField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..accounts.forms import no_direction_controls
from ..catalog.models import Comparison, Option, Tag
from ..catalog.revisions import MESSAGE_MAX
from ..core.forms import RequestForm, WholeNumberField, text

TITLE_MAX = Comparison.__table__.c.title.type.length
NAME_MAX = Option.__table__.c.name.type.length
TEXT_MAX = 5000
TAG_MAX = Tag.__table__.c.name.type.length
MAX_TAGS = 10


def one_line(_form, field) -> None:
    if "\n" in (field.data or "") or "\r" in (field.data or ""):
        raise ValidationError("Keep this on one line.")


def _row_id(value):
    """A row's id as the form carried it; anything but a plain number is a new row."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    value = value.strip() if isinstance(value, str) else ""
    return int(value) if value.isascii() and value.isdigit() and len(value) < 12 else None


def _long(label: str):
    return Length(max=TEXT_MAX, message=f"Keep the {label} under {TEXT_MAX:,} characters.")


def _checks(*validators):
    # Every typed field also refuses text-direction controls (a spoofed title or name).
    return [no_direction_controls, *validators]


class ClaimEntry(Form):
    id = HiddenField(filters=[_row_id])
    text = TextAreaField("Text", filters=[text], validators=_checks(_long("point")))

    def validate_text(self, field):
        if self.id.data is not None and not field.data:
            raise ValidationError("Write the point, or remove it with its button.")


class OptionEntry(Form):
    id = HiddenField(filters=[_row_id])
    name = StringField(
        "Name",
        filters=[text],
        validators=_checks(
            one_line,
            Length(max=NAME_MAX, message=f"Keep the name under {NAME_MAX} characters."),
        ),
    )
    description = TextAreaField(
        "Description", filters=[text], validators=_checks(_long("description"))
    )
    use_if = TextAreaField("Use it if", filters=[text], validators=_checks(_long("line")))
    tags = StringField("Tags", filters=[text], validators=_checks(one_line))
    pros = FieldList(FormField(ClaimEntry))
    cons = FieldList(FormField(ClaimEntry))

    def validate_tags(self, field):
        names = split_tags(field.data)
        if len(names) > MAX_TAGS:
            raise ValidationError(f"At most {MAX_TAGS} tags per option.")
        if any(len(n) > TAG_MAX for n in names):
            raise ValidationError(f"Keep each tag under {TAG_MAX} characters.")

    def validate_name(self, field):
        filled = self.id.data is not None or self.description.data or self.use_if.data
        if not field.data and filled:
            raise ValidationError("Give the option a name.")


class ComparisonForm(RequestForm):
    # What the form started from: the revision number and a digest of the content.
    revision = WholeNumberField("Revision", validators=[Optional()])
    digest = HiddenField(filters=[text])
    title = StringField(
        "Title",
        filters=[text],
        validators=_checks(
            DataRequired("Give the comparison a title."),
            one_line,
            Length(max=TITLE_MAX, message=f"Keep the title under {TITLE_MAX} characters."),
        ),
    )
    intro = TextAreaField("Intro", filters=[text], validators=_checks(_long("intro")))
    pick = WholeNumberField(
        "Editorial pick", validators=[Optional()], invalid="Choose one of the options."
    )
    summary = TextAreaField("Verdict summary", filters=[text], validators=_checks(_long("summary")))
    bottom_line = TextAreaField(
        "Bottom line", filters=[text], validators=_checks(_long("bottom line"))
    )
    options = FieldList(FormField(OptionEntry))
    message = StringField(
        "What did you change, and why?",
        filters=[text],
        validators=_checks(
            one_line,
            Length(max=MESSAGE_MAX, message=f"Keep the message under {MESSAGE_MAX} characters."),
        ),
    )
    # The button pressed: "save", or a structural one (editor/plan.py).
    op = StringField(filters=[text])
    # The counts a removal was confirmed for ("votes:ratings").
    confirm = StringField(filters=[text])

    def content(self) -> dict:
        """The content as typed, in the snapshot's shape (catalog/revisions.py)."""
        return {
            "title": self.title.data or "",
            "intro": self.intro.data or "",
            "pick": self.pick.data,
            "summary": self.summary.data or "",
            "bottom_line": self.bottom_line.data or "",
            "options": [
                {
                    "id": entry.form.id.data,
                    "name": entry.form.name.data or "",
                    "description": entry.form.description.data or "",
                    "use_if": entry.form.use_if.data or "",
                    "tags": split_tags(entry.form.tags.data),
                    "pros": [_claim(c) for c in entry.form.pros],
                    "cons": [_claim(c) for c in entry.form.cons],
                }
                for entry in self.options
            ],
        }


class NewComparisonForm(ComparisonForm):
    """The same form for a comparison that does not exist yet: its options have no ids,
    so the editorial pick is a radio button in the option's own box (its index)."""

    pick_at = WholeNumberField(
        "Editors' pick", validators=[Optional()], invalid="Choose one of the options."
    )

    def content(self) -> dict:
        content = super().content()
        for i, option in enumerate(content["options"]):
            # A marker that follows the option through moves and blank-row dropping.
            option["_pick"] = i == self.pick_at.data
        return content


class UploadForm(RequestForm):
    page_file = FileField("Page file")


class StatusForm(RequestForm):
    """Publish or archive, with an optional reason for the public log."""

    action = HiddenField()
    reason = StringField(
        "Why (optional, shown in the public log)",
        validators=_checks(
            Optional(), Length(max=500, message="Keep the reason under 500 characters.")
        ),
        filters=[text],
    )


def split_tags(value: str | None) -> list[str]:
    """ "python, #Go ,  web" -> ["python", "Go", "web"] (each once, in the typed order)."""
    names = (part.strip().lstrip("#").strip() for part in (value or "").split(","))
    return list(dict.fromkeys(n for n in names if n))


def _claim(entry) -> dict:
    return {"id": entry.form.id.data, "text": entry.form.text.data or ""}


def _as_obj(value):
    # WTForms fills nested forms from attributes, not dict keys.
    if isinstance(value, dict):
        return SimpleNamespace(**{k: _as_obj(v) for k, v in value.items()})
    if isinstance(value, list):
        return [_as_obj(v) for v in value]
    return value


def form_for(
    content: dict, revision: int, digest: str, message: str = "", form_class=ComparisonForm
) -> ComparisonForm:
    """A form showing ``content`` (the stored one, or one a button changed)."""
    options = [{**o, "tags": ", ".join(o.get("tags", []))} for o in content["options"]]
    data = {**content, "options": options, "revision": revision, "digest": digest}
    data["message"] = message
    if form_class is NewComparisonForm:
        data["pick_at"] = next((i for i, o in enumerate(options) if o.get("_pick")), None)
    return form_class(formdata=None, obj=_as_obj(data))
