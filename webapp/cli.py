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
