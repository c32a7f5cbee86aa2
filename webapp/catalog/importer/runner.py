"""Runs the importer over files and folders: read safely, parse, write one file per
transaction, and report one line per file. A bad file never stops the others."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.exc import SQLAlchemyError

from ...core.clock import as_utc
from ...extensions import db
from .. import changes, services
from .parser import ParsedPage, Refused, parse

SNAPSHOT_SUFFIX = re.compile(r"\.v\d+$")
# Column sizes of the catalog tables; checked before writing so the report can say why.
LIMITS = {"title": 300, "option name": 200, "tag": 100}


@dataclass
class FileOutcome:
    path: Path
    status: str  # imported | partial | kept | refused
    message: str = ""
    slug: str | None = None
    created: bool = False
    unchanged: bool = False
    missing: list[str] = field(default_factory=list)

    def line(self, dry_run: bool) -> str:
        name = self.path.name
        if self.status == "refused":
            return f"refused   {name}: {self.message}"
        if self.status == "kept":
            return f"kept      {name} -> /compare/{self.slug}: {self.message}"
        if self.created:
            verb = "would create" if dry_run else "created"
        elif self.unchanged:
            verb = "unchanged"
        else:
            verb = "would update" if dry_run else "updated"
        text = f"{self.status:<9} {name} -> /compare/{self.slug} ({verb})"
        if self.missing:
            text += "; missing: " + ", ".join(self.missing)
        return text


def collect_files(paths: list[Path]) -> list[Path]:
    """Files as given; folders contribute their *.txt files, sorted, recursively."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*.txt") if p.is_file()))
        else:
            files.append(path)
    return files


def read_text(path: Path, max_bytes: int) -> str:
    size = path.stat().st_size
    if size > max_bytes:
        raise Refused("too-large", f"file too large ({size:,} bytes; the limit is {max_bytes:,})")
    return decode(path.read_bytes(), max_bytes)


def decode(data: bytes, max_bytes: int) -> str:
    """A page file's bytes as text (a file on disk, or one an editor uploaded)."""
    if len(data) > max_bytes:
        raise Refused(
            "too-large", f"file too large ({len(data):,} bytes; the limit is {max_bytes:,})"
        )
    if not data.strip():
        raise Refused("empty", "empty file")
    if b"\x00" in data:
        raise Refused("binary", "binary file (contains NUL bytes), not page text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Refused("encoding", f"not UTF-8 text (invalid byte at offset {exc.start})") from None


def source_for(path: Path, page: ParsedPage) -> str:
    """The identity of a page: its address without scheme or www, else its file name
    without a snapshot suffix (.v2, .v3), so other captures of one page update it."""
    if page.url:
        parts = urlsplit(page.url)
        host = parts.netloc.lower().removeprefix("www.")
        return f"{host}{parts.path.rstrip('/')}" if host else page.url
    return "file:" + SNAPSHOT_SUFFIX.sub("", path.stem)


def check_limits(page: ParsedPage) -> None:
    values = {
        "title": [page.title],
        "option name": [o.name for o in page.options],
        "tag": [t for o in page.options for t in o.tags],
    }
    for what, items in values.items():
        for item in items:
            if len(item) > LIMITS[what]:
                raise Refused("too-long", f"{what} longer than {LIMITS[what]} characters")


def import_file(path: Path, *, dry_run: bool, status: str, max_bytes: int) -> FileOutcome:
    try:
        page = parse(read_text(path, max_bytes))
        check_limits(page)
    except Refused as exc:
        return FileOutcome(path, "refused", exc.message)
    except OSError as exc:
        return FileOutcome(path, "refused", f"cannot read ({exc.strerror or exc})")
    try:
        result = services.import_page(page, source_for(path, page), status=status)
        if result.outcome == "kept":
            edited = as_utc(result.comparison.edited_at).strftime("%Y-%m-%d %H:%M UTC")
            outcome = FileOutcome(
                path,
                "kept",
                f"changed on the site on {edited}, after its last import; the site's"
                " version stays and this file was not applied",
                slug=result.comparison.slug,
            )
        else:
            outcome = FileOutcome(
                path,
                "partial" if page.is_partial else "imported",
                slug=result.comparison.slug,
                created=result.created,
                unchanged=result.outcome == "unchanged",
                missing=list(page.missing),
            )
        if dry_run:
            db.session.rollback()
        else:
            changes.commit()  # and then the recompute a changed page asked for
        return outcome
    except SQLAlchemyError as exc:
        db.session.rollback()
        return FileOutcome(path, "refused", f"database refused it ({type(exc).__name__})")


def import_paths(paths: list[Path], *, dry_run: bool, status: str, max_bytes: int):
    for path in collect_files(paths):
        yield import_file(path, dry_run=dry_run, status=status, max_bytes=max_bytes)


def summary(outcomes: list[FileOutcome], dry_run: bool) -> str:
    counts = {s: sum(o.status == s for o in outcomes) for s in ("imported", "partial", "refused")}
    text = ", ".join(f"{n} {s}" for s, n in counts.items())
    kept = sum(o.status == "kept" for o in outcomes)
    if kept:
        text += f", {kept} kept (changed on the site)"
    return f"Summary: {text}" + (" (dry run: nothing written)" if dry_run else "")
