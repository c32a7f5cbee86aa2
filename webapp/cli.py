"""`flask crowdpick ...` commands. Thin: parse arguments, call a service, print."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

crowdpick = AppGroup("crowdpick", help="Crowdpick maintenance commands.")


@crowdpick.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would happen; write nothing.")
@click.option("--draft", is_flag=True, help="Create new comparisons as drafts.")
def import_command(paths: tuple[Path, ...], dry_run: bool, draft: bool) -> None:
    """Import comparison pages (files, or folders of *.txt files)."""
    from .catalog.importer.runner import import_paths, summary

    outcomes = []
    for outcome in import_paths(
        list(paths),
        dry_run=dry_run,
        status="draft" if draft else "published",
        max_bytes=current_app.config["IMPORT_MAX_BYTES"],
    ):
        click.echo(outcome.line(dry_run))
        outcomes.append(outcome)
    click.echo(summary(outcomes, dry_run))
    if not any(o.status != "refused" for o in outcomes):
        raise click.exceptions.Exit(1)


@crowdpick.command("create-user")
@click.argument("username")
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice(["member", "editor", "moderator", "admin"]),
    default="member",
    show_default=True,
)
@click.password_option(
    envvar="CROWDPICK_NEW_PASSWORD", help="Prompted for when not given (or set the env var)."
)
def create_user_command(username: str, email: str, role: str, password: str) -> None:
    """Create an account with a role (e.g. the first editor or admin)."""
    from .accounts.services import do_register
    from .core.actions import ActionError

    try:
        user = do_register(username, email, password, role=role)
    except ActionError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Created {user.role} {user.username} <{user.email}>.")


@crowdpick.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice(["member", "editor", "moderator", "admin"]))
@click.option("--reason", required=True, help="Why; shown in the public log.")
def set_role_command(username: str, role: str, reason: str) -> None:
    """Change an account's role (logged publicly as done from the command line)."""
    from .accounts.services import do_change_role, user_by_username
    from .core.actions import ActionError

    user = user_by_username(username)
    if user is None:
        raise click.ClickException(f"No account named {username!r}.")
    try:
        old = do_change_role(None, user, role, reason.strip(), actor_name="Operator (command line)")
    except ActionError as exc:
        raise click.ClickException(exc.message) from None
    if old is None:
        click.echo(f"{user.username} is already {role}; nothing changed.")
    else:
        click.echo(f"{user.username}: {old} -> {role}.")


@crowdpick.command("create-token")
@click.argument("username")
@click.option("--scope", "scopes", multiple=True, required=True, help="read, vote, post, edit")
@click.option("--name", default="command line", show_default=True)
@click.option("--days", type=int, default=None, help="Expires after this many days.")
def create_token_command(username: str, scopes: tuple[str, ...], name: str, days) -> None:
    """Print a new personal access token (stored hashed: shown only now)."""
    from .accounts.services import user_by_username
    from .api.tokens import create_token
    from .core.actions import ActionError

    user = user_by_username(username)
    if user is None:
        raise click.ClickException(f"No account named {username!r}.")
    wanted = [part for scope in scopes for part in scope.replace(",", " ").split()]
    try:
        _token, secret = create_token(user, name, wanted, days)
    except ActionError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(secret)


@crowdpick.command("recompute")
@click.argument("slug", required=False)
@click.option("--all", "everything", is_flag=True, help="Recompute every comparison.")
def recompute_command(slug: str | None, everything: bool) -> None:
    """Recompute community verdicts: stale ones (default), one SLUG, or --all."""
    import sqlalchemy as sa

    from .catalog.models import Comparison
    from .extensions import db
    from .verdicts import services

    if slug and everything:
        raise click.UsageError("Give a SLUG or --all, not both.")
    if slug:
        found = db.session.scalar(sa.select(Comparison.id).where(Comparison.slug == slug))
        if found is None:
            raise click.ClickException(f"No comparison with slug {slug!r}.")
        ids = [found]
    elif everything:
        ids = list(db.session.scalars(sa.select(Comparison.id).order_by(Comparison.id)))
    else:
        ids = services.stale_comparisons()
    for comparison_id in ids:
        verdict = services.recompute_verdict(comparison_id)
        click.echo(f"comparison {comparison_id}: v{verdict.version} {verdict.state}")
    click.echo(f"Recomputed {len(ids)} comparison(s).")


tallies_group = AppGroup(
    "tallies", help="The running vote tallies of the verdicts (per option and trust class)."
)
crowdpick.add_command(tallies_group)


@tallies_group.command("rebuild")
@click.option("--comparison", "comparison_id", type=int, help="Only this comparison (id).")
def tallies_rebuild_command(comparison_id: int | None) -> None:
    """Rebuild the tallies from the votes (after a new trust rule, or any doubt)."""
    from .catalog.models import Comparison
    from .extensions import db
    from .verdicts import tally_sync

    ids = None
    if comparison_id is not None:
        if db.session.get(Comparison, comparison_id) is None:
            raise click.ClickException(f"No comparison {comparison_id}.")
        ids = [comparison_id]
    click.echo(f"Tallies rebuilt {tally_sync.rebuild_tallies(ids)} comparison(s).")


demo = AppGroup("demo", help="Demo members and their activity, for a first run.")
crowdpick.add_command(demo)


@demo.command("seed")
def demo_seed_command() -> None:
    """Add demo members, votes, ratings, posts and disagreements (once; safe to re-run)."""
    from .pages.demo import seed

    seed(echo=click.echo)


@demo.command("remove")
def demo_remove_command() -> None:
    """Delete the demo members and everything they wrote; recompute what they touched."""
    from .pages.demo import remove

    remove(echo=click.echo)
