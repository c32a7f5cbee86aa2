"""Account actions: check_* validate, do_* write and commit."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, render_template

from ..core.actions import ActionError
from ..core.clock import as_utc, utcnow
from ..extensions import db
from ..mail import addresses
from ..mail import services as mail
from ..modlog import services as modlog
from . import passwords, tokens, trust, usernames
from .forms import ROLE_REASON_MAX, direction_control
from .models import ROLES, User, new_session_token


def username_taken(username: str) -> bool:
    return _exists(User.username_key == username.casefold())


def email_taken(email: str) -> bool:
    return _exists(User.email_key == email.casefold())


def _exists(condition) -> bool:
    return db.session.scalar(sa.select(sa.exists().where(condition)))


def check_new_password(password: str, username: str, email: str, field: str = "password") -> None:
    problem = passwords.password_problem(
        password, current_app.config["PASSWORD_MIN_LENGTH"], username, email.split("@")[0]
    )
    if problem:
        raise ActionError(problem, 422, field)


def check_username(username: str, field: str = "username") -> None:
    """The one username rule, for the form and for every other way in (the CLI)."""
    problem = usernames.problem(username)
    if problem:
        raise ActionError(problem, 422, field)


def check_email_allowed(email: str, field: str = "email") -> None:
    if addresses.is_disposable(email):
        raise ActionError(
            "Addresses at disposable e-mail services are not accepted: "
            "use an address you will still read next month.",
            422,
            field,
        )


def do_register(
    username: str,
    email: str,
    password: str,
    role: str = "member",
    signup_prefix: str | None = None,
) -> User:
    """Create the account and its verification mail in one transaction; the mail is
    sent after the commit."""
    if role not in ROLES:
        raise ActionError(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.", 422)
    check_username(username)
    if username_taken(username):
        raise ActionError("That username is taken.", 409, "username")
    check_email_allowed(email)
    if email_taken(email):
        raise ActionError("An account with that e-mail already exists.", 409, "email")
    check_new_password(password, username, email)
    user = User(
        username=username,
        username_key=username.casefold(),
        email=email,
        email_key=email.casefold(),
        password_hash=passwords.hash_password(password),
        role=role,
        signup_prefix=signup_prefix,
    )
    db.session.add(user)
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        # Two registrations raced past the checks; the unique keys decided.
        db.session.rollback()
        raise ActionError("That username or e-mail is taken.", 409, "username") from None
    _queue_verification(user)
    mail.commit()
    return user


def authenticate(login: str, password: str) -> User | None:
    """The account for a username or e-mail and password, or None. Same cost and same
    answer whether the account is missing or the password wrong."""
    key = login.strip().casefold()
    user = db.session.scalars(
        sa.select(User).where(sa.or_(User.username_key == key, User.email_key == key))
    ).first()
    if not passwords.verify_password(user.password_hash if user else None, password):
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
        db.session.commit()
    return user


def do_change_password(user: User, current: str, new: str) -> None:
    if not passwords.verify_password(user.password_hash, current):
        raise ActionError("Your current password is not right.", 422, "current")
    check_new_password(new, user.username, user.email, field="new")
    user.password_hash = passwords.hash_password(new)
    user.session_token = new_session_token()  # ends every other session and cookie
    db.session.commit()


def do_logout(user: User) -> None:
    """A new session token: every session and remember-me cookie of the account, this
    browser's saved copies included, stops working (see User.get_id and load_user)."""
    user.session_token = new_session_token()
    db.session.commit()


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: the id carries the session token (see User.get_id)."""
    account_id, _, token = user_id.partition(":")
    if not account_id.isdigit():
        return None
    user = db.session.get(User, int(account_id))
    if user is None or not token or user.session_token != token or user.suspended_at:
        return None
    return user


def suspension_notice(user: User) -> str:
    """What a suspended member is told at sign-in (only after the right password): since
    when, until when (a suspension lasts until a moderator lifts it) and the reason the
    moderator gave, which the public log shows too."""
    entry = modlog.latest_entry("suspend", modlog.user_subject(user))
    since = as_utc(user.suspended_at).strftime("%d %b %Y")
    notice = (
        f"Your account has been suspended since {since}. It stays suspended until a "
        "moderator lifts the suspension; until then you cannot sign in."
    )
    if entry is not None and entry.reason:
        notice += f" The moderator’s reason: “{entry.reason}”"
    return notice


def user_by_username(username: str) -> User | None:
    return db.session.scalars(
        sa.select(User).where(User.username_key == username.casefold())
    ).first()


def note_participation(user: User) -> None:
    """Count today among the account's active days (a trust signal) if it is not yet.
    Costs a statement only on the first participation of a day; the WHERE keeps two
    racing requests from counting the day twice."""
    today = utcnow().date()
    if user.last_active_on == today:
        return
    db.session.execute(
        sa.update(User)
        .where(
            User.id == user.id,
            sa.or_(User.last_active_on.is_(None), User.last_active_on != today),
        )
        .values(active_days=User.active_days + 1, last_active_on=today)
        .execution_options(synchronize_session=False)
    )


def weight_explained(user: User) -> trust.WeightExplained:
    """What the member's vote counts today and what would raise it (same rule as the
    verdict's SQL)."""
    return trust.explain(
        trust.age_in_days(user.created_at, utcnow()),
        user.active_days or 0,
        verified=user.email_verified_at is not None,
        strikes=user.strikes or 0,
        suspended=user.suspended_at is not None,
        voided=user.votes_voided_at is not None,
        rules=trust.TrustRules.from_config(current_app.config),
    )


# --- e-mail verification, address change, password reset ---------------------------------


def login_bucket(login: str) -> str:
    """The sign-in failure throttle's key: the account a login names (so its username
    and its address share one bucket), else the case-folded text itself."""
    key = login.strip().casefold()
    found = db.session.scalar(
        sa.select(User.id).where(sa.or_(User.username_key == key, User.email_key == key))
    )
    return f"account:{found}" if found is not None else f"login:{key}"


def _queue_verification(user: User) -> None:
    body = render_template(
        "mail/verify.txt",
        user=user,
        link=tokens.link(tokens.VERIFY, user),
        hours=round(current_app.config["VERIFY_TOKEN_HOURS"]),
    )
    mail.queue_mail("verify", user.email, "Confirm your e-mail address for Crowdpick", body)


def do_resend_verification(user: User) -> None:
    if user.email_verified_at is not None:
        raise ActionError("Your e-mail address is already verified.", 409)
    _queue_verification(user)
    mail.commit()


def check_verify_token(token: str) -> User:
    """The account a verification link is for, changing nothing (the confirm page)."""
    return tokens.redeem(tokens.VERIFY, token)


def do_verify_email(token: str) -> User:
    user = tokens.redeem(tokens.VERIFY, token)
    user.email_verified_at = utcnow()  # also spends the link: its fingerprint changed
    db.session.commit()
    return user


def do_change_email(user: User, password: str, new_email: str) -> None:
    """A new address needs the current password, starts unverified and gets a link; the
    old address is told, so a hijacked session cannot move the account quietly."""
    if not passwords.verify_password(user.password_hash, password):
        raise ActionError("Your current password is not right.", 422, "password")
    new_email = new_email.strip()
    if new_email.casefold() == user.email_key:
        raise ActionError("That is already your address.", 422, "email")
    check_email_allowed(new_email)
    if email_taken(new_email):
        raise ActionError("An account with that e-mail already exists.", 409, "email")
    old_email = user.email
    user.email, user.email_key, user.email_verified_at = new_email, new_email.casefold(), None
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        db.session.rollback()
        raise ActionError("An account with that e-mail already exists.", 409, "email") from None
    body = render_template("mail/email_changed.txt", user=user, old_email=old_email)
    mail.queue_mail("email_changed", old_email, "Your Crowdpick e-mail address changed", body)
    _queue_verification(user)
    mail.commit()


def request_password_reset(email: str) -> None:
    """Mail a reset link if an active account uses ``email``. Says nothing either way:
    the page must not tell who has an account."""
    user = db.session.scalars(
        sa.select(User).where(User.email_key == email.strip().casefold())
    ).first()
    if user is None or user.suspended_at is not None:
        return
    body = render_template(
        "mail/reset.txt",
        user=user,
        link=tokens.link(tokens.RESET, user),
        minutes=round(current_app.config["RESET_TOKEN_MINUTES"]),
    )
    mail.send_mail("reset", user.email, "Reset your Crowdpick password", body)


def check_reset_token(token: str) -> User:
    return tokens.redeem(tokens.RESET, token)


def do_reset_password(token: str, new: str) -> User:
    """Set a new password from a reset link: ends every other session and marks the
    address verified (the link reached it). The link is spent: the hash it is bound to
    changed."""
    user = tokens.redeem(tokens.RESET, token)
    check_new_password(new, user.username, user.email, field="new")
    user.password_hash = passwords.hash_password(new)
    user.session_token = new_session_token()
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    db.session.commit()
    return user


# --- roles ---------------------------------------------------------------------------


def check_can_change_roles(actor: User | None) -> None:
    """Admins change roles in the browser; the command line (``actor`` None) may too."""
    if actor is not None and actor.role != "admin":
        raise ActionError("Only admins can change roles.", 403)


def do_change_role(
    actor: User | None, target: User, role: str, reason: str, actor_name: str = ""
) -> str | None:
    """Give ``target`` ``role`` and log it publicly with the reason; returns the old role,
    or None when it already had that role (nothing written). ``actor`` None: the command
    line, logged as ``actor_name``. The last admin keeps the role, so the site always has
    someone who can give it."""
    check_can_change_roles(actor)
    if role not in ROLES:
        raise ActionError(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.", 422, "role")
    if not reason:
        raise ActionError("Give a reason: it goes into the public log.", 422, "reason")
    # The form checks these too; the command line comes straight here.
    if len(reason) > ROLE_REASON_MAX:
        raise ActionError(f"Keep the reason to {ROLE_REASON_MAX} characters.", 422, "reason")
    if direction_control(reason):
        raise ActionError(
            f"Remove the invisible text-direction character ({direction_control(reason)}) "
            "from the reason: it would read backwards in the public log.",
            422,
            "reason",
        )
    old = target.role
    if old == role:
        return None
    if old == "admin":
        # Lock every admin row (PostgreSQL; SQLite has one writer at a time), so two
        # admins demoting each other at once cannot both pass the count.
        admins = db.session.scalars(
            sa.select(User.id).where(User.role == "admin").with_for_update()
        ).all()
        if len(admins) <= 1:
            db.session.rollback()
            raise ActionError(
                f"{target.username} is the last admin: make another account admin first.", 409
            )
    target.role = role
    modlog.record_action(
        actor,
        "change_role",
        modlog.user_subject(target),
        reason,
        detail=f"{old} → {role}",
        actor_name=actor_name or None,
    )
    db.session.commit()
    return old


def members(query: str = "") -> sa.Select:
    """Accounts for the admins' list: staff first, then by name; ``query`` matches a part
    of the username or the whole e-mail address."""
    stmt = sa.select(User)
    if query:
        key = query.casefold()
        stmt = stmt.where(
            sa.or_(User.username_key.contains(key, autoescape=True), User.email_key == key)
        )
    staff_first = sa.case({"admin": 0, "moderator": 1, "editor": 2}, value=User.role, else_=3)
    return stmt.order_by(staff_first, User.username_key)
