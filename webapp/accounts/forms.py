from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from . import usernames


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
