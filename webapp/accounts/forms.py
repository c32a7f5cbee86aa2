import re

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from . import usernames
from .models import ROLES

# Bidirectional embedding, override and isolate controls: invisible, they make the text after
# them read backwards ("\u202eevil" shows as "live"), so a title or a logged reason could lie.
_DIRECTION_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def direction_control(value: str) -> str | None:
    """The first text-direction control in ``value`` as "U+202E", or None."""
    found = _DIRECTION_CONTROLS.search(value) if isinstance(value, str) else None
    return f"U+{ord(found.group()):04X}" if found else None


def no_direction_controls(_form, field) -> None:
    found = direction_control(field.data or "")
    if found:
        raise ValidationError(
            f"Remove the invisible text-direction character ({found}): "
            "it makes the text around it read backwards."
        )


def username_rule(_form, field) -> None:
    """The one username rule (webapp/accounts/usernames.py); the service checks it too."""
    problem = usernames.problem(field.data or "")
    if problem:
        raise ValidationError(problem)


class RegisterForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), username_rule])
    email = EmailField(
        "E-mail", validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)]
    )
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])
    confirm = PasswordField(
        "Repeat password", validators=[DataRequired(), EqualTo("password", "Passwords differ.")]
    )


class LoginForm(FlaskForm):
    login = StringField("Username or e-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])
    remember = BooleanField("Keep me signed in")


class ChangePasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=256)])
    new = PasswordField("New password", validators=[DataRequired(), Length(max=256)])
    confirm = PasswordField(
        "Repeat new password", validators=[DataRequired(), EqualTo("new", "Passwords differ.")]
    )


class ChangeEmailForm(FlaskForm):
    email = EmailField(
        "New e-mail address",
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    password = PasswordField("Current password", validators=[DataRequired(), Length(max=256)])


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        "E-mail", validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)]
    )


class ResetPasswordForm(FlaskForm):
    new = PasswordField("New password", validators=[DataRequired(), Length(max=256)])
    confirm = PasswordField(
        "Repeat new password", validators=[DataRequired(), EqualTo("new", "Passwords differ.")]
    )


class ConfirmForm(FlaskForm):
    """A button and its CSRF token: confirming a link, asking for another one."""


# A reason in the public log: long enough to explain, short enough to read in a list.
ROLE_REASON_MAX = 500


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class RoleForm(FlaskForm):
    role = SelectField("New role", choices=[SelectChoice(r, r.capitalize()) for r in ROLES])
    reason = TextAreaField(
        "Reason (shown in the public log)",
        filters=[_strip],
        validators=[
            DataRequired("Give a reason: it goes into the public log."),
            no_direction_controls,
            Length(max=ROLE_REASON_MAX, message=f"Keep it to {ROLE_REASON_MAX} characters."),
        ],
    )
