"""Register, sign in/out, password and address changes, e-mail links. Thin: forms in,
services, redirect; the throttles against account farms and guessing are here as
Flask-Limiter limits (values in config). The profile page shows votes too: webapp/pages."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from ..core.actions import ActionError
from ..core.limits import per_account
from ..core.net import network_prefix
from ..core.pagination import paginate
from ..core.security import rotate_csrf_token, safe_next
from ..extensions import limiter
from . import services
from .forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    ConfirmForm,
    ForgotPasswordForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
    RoleForm,
)

bp = Blueprint("accounts", __name__)


def auth_limit() -> str:
    return current_app.config["AUTH_RATE_LIMIT"]


def configured(name: str):
    """A limit read from config per request (tests and operators change it)."""
    return lambda: current_app.config[name]


# Limiter keys. Each names its kind, so two limits with the same text never share a
# counter. request.remote_addr is the real client behind trusted proxies (ProxyFix).
def client_address() -> str:
    return f"addr:{request.remote_addr or 'unknown'}"


def client_network() -> str:
    return f"net:{network_prefix(request.remote_addr) or request.remote_addr or 'unknown'}"


def login_target() -> str:
    return services.login_bucket(request.form.get("login", "")[:254])


def mail_target() -> str:
    return "to:" + request.form.get("email", "")[:254].strip().casefold()


def account_created(_response) -> bool:
    # Only registrations that made an account count: typos in the form cost nothing.
    return g.get("account_created", False)


def sign_in_failed(response) -> bool:
    return response.status_code == 401


def _show_on_form(form, exc: ActionError, default: str) -> int:
    """Put a service's refusal next to the field it names; the page answers its status."""
    field = getattr(form, exc.field or default)
    field.errors = [*field.errors, exc.message]
    return exc.status


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(auth_limit, methods=["POST"])
@limiter.limit(
    configured("REGISTER_ADDRESS_LIMIT"),
    methods=["POST"],
    key_func=client_address,
    deduct_when=account_created,
    error_message="Too many new accounts from your address recently. Try again later.",
)
@limiter.limit(
    configured("REGISTER_NETWORK_LIMIT"),
    methods=["POST"],
    key_func=client_network,
    deduct_when=account_created,
    error_message="Too many new accounts from your network recently. Try again later.",
)
def register():
    if current_user.is_authenticated:
        return redirect(url_for("pages.home"))
    form = RegisterForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = services.do_register(
                form.username.data,
                form.email.data,
                form.password.data,
                signup_prefix=network_prefix(request.remote_addr),
            )
        except ActionError as exc:
            status = _show_on_form(form, exc, default="username")
        else:
            g.account_created = True
            login_user(user)
            rotate_csrf_token()
            return redirect(url_for("accounts.welcome", next=safe_next(request.args.get("next"))))
    elif form.is_submitted():
        status = 422
    return render_template("accounts/register.html", form=form), status


@bp.get("/welcome")
@login_required
def welcome():
    weight = services.weight_explained(current_user)
    return render_template(
        "accounts/welcome.html", weight=weight, next=safe_next(request.args.get("next"))
    )


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(auth_limit, methods=["POST"])
@limiter.limit(
    configured("LOGIN_FAILURE_LIMIT"),
    methods=["POST"],
    key_func=login_target,
    deduct_when=sign_in_failed,
    error_message="Too many failed sign-ins for this account recently. Wait a few minutes "
    "and try again, or reset your password.",
)
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user = services.authenticate(form.login.data, form.password.data)
        if user is not None and user.suspended_at is not None:
            # The password was right, so saying why tells nothing to a guesser; 403, not
            # 401, so it does not count as a failed sign-in either.
            form.form_errors.append(services.suspension_notice(user))
            status = 403
        elif user is not None and login_user(user, remember=form.remember.data):
            rotate_csrf_token()  # a token seen before the sign-in is refused after it
            flash(f"Signed in as {user.username}.", "success")
            return redirect(safe_next(request.args.get("next")))
        else:
            # One message for every failure: it never tells whether the account exists.
            form.form_errors.append("That username/e-mail and password do not match an account.")
            status = 401
    elif form.is_submitted():
        status = 422
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        # Ends every copy of this account's session and remember-me cookie.
        services.do_logout(current_user._get_current_object())
    logout_user()
    rotate_csrf_token()
    flash("Signed out.", "info")
    return redirect(url_for("pages.home"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limiter.limit(
    configured("PASSWORD_CHANGE_LIMIT"),
    methods=["POST"],
    key_func=per_account,
    error_message="Too many password attempts on this account. Try again later.",
)
def change_password():
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.do_change_password(current_user, form.current.data, form.new.data)
        except ActionError as exc:
            status = _show_on_form(form, exc, default="new")
        else:
            # The session token changed: sign this browser in again with the new one.
            login_user(current_user._get_current_object())
            flash("Password changed. Your other sessions are signed out.", "success")
            return redirect(url_for("pages.profile", username=current_user.username))
    elif form.is_submitted():
        status = 422
    return render_template("accounts/password.html", form=form), status


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
@limiter.limit(
    configured("PASSWORD_CHANGE_LIMIT"),
    methods=["POST"],
    key_func=per_account,
    error_message="Too many attempts to change the address of this account. Try again later.",
)
def change_email():
    form = ChangeEmailForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.do_change_email(current_user, form.password.data, form.email.data)
        except ActionError as exc:
            status = _show_on_form(form, exc, default="email")
        else:
            flash(
                f"Your address is now {current_user.email}. We sent it a link: open it to "
                "verify the address.",
                "success",
            )
            return redirect(url_for("pages.profile", username=current_user.username))
    elif form.is_submitted():
        status = 422
    return render_template("accounts/email.html", form=form), status


@bp.post("/account/verify/resend")
@login_required
@limiter.limit(
    configured("MAIL_TARGET_LIMIT"),
    key_func=per_account,
    error_message="We sent several links already. Check your inbox and spam folder, "
    "or try again later.",
)
def resend_verification():
    # CSRF is checked for every POST by CSRFProtect; the button carries nothing else.
    services.do_resend_verification(current_user)
    flash(f"We sent a new link to {current_user.email}.", "success")
    return redirect(url_for("pages.profile", username=current_user.username))


@bp.route("/verify/<token>", methods=["GET", "POST"])
def verify_email(token: str):
    """GET only shows the confirm button (link scanners in mail systems follow links);
    the POST verifies. A bad link is refused by the service with its page and status."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        user = services.check_verify_token(token)
        return render_template("accounts/verify.html", form=form, member=user)
    user = services.do_verify_email(token)
    flash(f"Thank you: {user.email} is verified, and your votes count for more.", "success")
    if current_user.is_authenticated and current_user.id == user.id:
        return redirect(url_for("pages.profile", username=user.username))
    return redirect(url_for("accounts.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(
    configured("MAIL_FORM_LIMIT"),
    methods=["POST"],
    key_func=client_address,
    error_message="Too many reset requests from your address. Try again later.",
)
@limiter.limit(
    configured("MAIL_TARGET_LIMIT"),
    methods=["POST"],
    key_func=mail_target,
    error_message="We sent several reset links to that address already. Check its inbox "
    "and spam folder, or try again later.",
)
def forgot_password():
    form = ForgotPasswordForm()
    status = 200
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        # The same page whether or not an account uses the address.
        return render_template("accounts/forgot_sent.html")
    if form.is_submitted():
        status = 422
    return render_template("accounts/forgot.html", form=form), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(auth_limit, methods=["POST"], key_func=client_address)
def reset_password(token: str):
    user = services.check_reset_token(token)  # a bad link gets its error page at once
    form = ResetPasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = services.do_reset_password(token, form.new.data)
        except ActionError as exc:
            if exc.field is None:
                raise
            status = _show_on_form(form, exc, default="new")
        else:
            logout_user()  # whoever was signed in here, the account is now this one's
            rotate_csrf_token()
            if login_user(user):
                flash("Your new password is set. Your other sessions are signed out.", "success")
                return redirect(url_for("pages.profile", username=user.username))
            flash("Your new password is set.", "success")
            return redirect(url_for("accounts.login"))
    elif form.is_submitted():
        status = 422
    return render_template("accounts/reset.html", form=form, member=user), status


# --- roles (admins) ----------------------------------------------------------------------


def _admins_only() -> None:
    if current_user.role != "admin":
        abort(403, description="Only admins can change roles.")


@bp.get("/admin/members")
@login_required
def members():
    _admins_only()
    query = request.args.get("q", "")[:100].strip()
    found = paginate(services.members(query))
    return render_template("accounts/members.html", members=found, query=query)


@bp.route("/u/<slug:username>/role", methods=["GET", "POST"])
@login_required
def change_role(username: str):
    _admins_only()
    member = services.user_by_username(username)
    if member is None:
        abort(404, description="No member by that name.")
    form = RoleForm(role=member.role)
    status = 200
    if form.validate_on_submit():
        try:
            old = services.do_change_role(current_user, member, form.role.data, form.reason.data)
        except ActionError as exc:
            status = _show_on_form(form, exc, default="role")
        else:
            if old is None:
                flash(f"{member.username} is already {member.role}; nothing changed.", "info")
            else:
                flash(f"{member.username} is now {member.role} (was {old}).", "success")
            return redirect(url_for("pages.profile", username=member.username))
    elif form.is_submitted():
        status = 422
    return render_template("accounts/role.html", form=form, member=member), status
