"""One comparison's feed: its community verdict's changes of pick or state, the editors'
pick changes and verdict-text edits, and the posts of its disagreement threads (never a
hidden or deleted one). Five statements, whatever the number of entries."""

from __future__ import annotations

import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy.orm import aliased

from ..accounts.models import User
from ..catalog.models import Comparison, Option
from ..catalog.revisions import Revision
from ..core.clock import as_utc
from ..discussions.models import PickChange, Post, Thread
from ..extensions import db
from ..verdicts.history import versions_with_previous
from ..verdicts.models import VerdictHistory
from ..verdicts.presenting import state_words
from .services import LIMIT, Entry, Subject, newest, page, thread_page


def subject(slug: str) -> Subject | None:
    """A published comparison (drafts have no public feed; an archived one changes no
    more)."""
    row = db.session.execute(
        sa.select(Comparison.id, Comparison.slug, Comparison.title, Comparison.created_at).where(
            Comparison.slug == slug, Comparison.status == "published"
        )
    ).first()
    return Subject(row.id, row.slug, row.title, as_utc(row.created_at)) if row else None


def comparison_entries(found: Subject) -> list[Entry]:
    return newest(
        _verdict_changes(found) + _pick_changes(found) + _verdict_edits(found) + _posts(found)
    )


def _verdict_changes(found: Subject) -> list[Entry]:
    """Versions where the community pick or the verdict's state changed (the rest are
    the same verdict with a few more votes). The first version counts only when it names
    a pick: "not enough votes" at the start is no news."""
    h = VerdictHistory.__table__
    ranked = versions_with_previous(found.id, h.c.computed_at, h.c.weighted_votes)
    after = aliased(Option)
    rows = db.session.execute(
        sa.select(ranked, after.name.label("after_name"))
        .outerjoin(after, after.id == ranked.c.pick_option_id)
        .where(
            sa.or_(
                ranked.c.pick_option_id.is_distinct_from(ranked.c.before),
                ranked.c.state != ranked.c.state_before,
            )
        )
        .order_by(ranked.c.version.desc())
        .limit(LIMIT)
    )
    entries = []
    # Oldest first, to name each change against the last named pick (a "too close to
    # call" in between names none): every change of pick is among the rows read.
    named: tuple[int, str] | None = None
    for r in reversed(rows.all()):
        title = _verdict_title(r, named)
        if r.pick_option_id is not None:
            named = (r.pick_option_id, r.after_name)
        entries.append(
            Entry(
                key=f"verdict/{found.id}/{r.version}",
                updated=as_utc(r.computed_at),
                title=title,
                link=page(found.slug, "#history-heading"),
                html=Markup(
                    "<p>{}. Version {} of the community verdict, {} weighted votes.</p>"
                ).format(title, r.version, f"{r.weighted_votes or 0:.1f}"),
            )
        )
    return entries


def _verdict_title(r, named: tuple[int, str] | None) -> str:
    words = state_words(r.state)
    if r.pick_option_id is None:
        return f"No community pick: {words}"
    if named is None:
        return f"Community picks {r.after_name} ({words})"
    if named[0] != r.pick_option_id:
        return f"Community pick changed from {named[1]} to {r.after_name} ({words})"
    if r.before is None:
        return f"Community picks {r.after_name} again ({words})"
    return f"Community pick {r.after_name} is now {words}"


def _pick_changes(found: Subject) -> list[Entry]:
    before, after = aliased(Option), aliased(Option)
    editor = aliased(User)
    rows = db.session.execute(
        sa.select(
            PickChange.id,
            PickChange.changed_at,
            PickChange.thread_id,
            sa.func.coalesce(before.name, PickChange.from_name).label("before_name"),
            sa.func.coalesce(after.name, PickChange.to_name).label("after_name"),
            sa.func.coalesce(PickChange.reason, Thread.conclusion).label("reason"),
            editor.username,
        )
        .outerjoin(before, before.id == PickChange.from_option_id)
        .outerjoin(after, after.id == PickChange.to_option_id)
        .outerjoin(Thread, Thread.id == PickChange.thread_id)
        .outerjoin(editor, editor.id == PickChange.changed_by_id)
        .where(PickChange.comparison_id == found.id)
        .order_by(PickChange.changed_at.desc(), PickChange.id.desc())
        .limit(LIMIT)
    )
    return [
        Entry(
            key=f"pick/{found.id}/{r.id}",
            updated=as_utc(r.changed_at),
            title=(
                f"Editors switched their pick from {r.before_name or 'a removed option'} "
                f"to {r.after_name}"
            ),
            link=thread_page(r.thread_id) if r.thread_id else page(found.slug),
            html=Markup("<p>The editors now pick <strong>{}</strong> (before: {}).</p>").format(
                r.after_name, r.before_name or "a removed option"
            )
            + (Markup("<p>Why: {}</p>").format(r.reason) if r.reason else Markup("")),
            author=r.username,
        )
        for r in rows
    ]


def _verdict_edits(found: Subject) -> list[Entry]:
    """Saves that changed the verdict's text (summary or bottom line) but not the pick,
    which has its own entry. Only the compared fields are read, never whole snapshots."""
    summary = Revision.snapshot["summary"].as_string()
    bottom = Revision.snapshot["bottom_line"].as_string()
    pick = Revision.snapshot["pick"].as_integer()
    ranked = (
        sa.select(
            Revision.id,
            Revision.number,
            Revision.created_at,
            Revision.message,
            Revision.author_id,
            summary.label("summary"),
            bottom.label("bottom"),
            pick.label("pick"),
            sa.func.lag(summary).over(order_by=Revision.number).label("summary_before"),
            sa.func.lag(bottom).over(order_by=Revision.number).label("bottom_before"),
            sa.func.lag(pick).over(order_by=Revision.number).label("pick_before"),
        )
        .where(Revision.comparison_id == found.id)
        .subquery()
    )
    author = aliased(User)
    same = sa.func.coalesce  # a missing key reads as the empty text
    rows = db.session.execute(
        sa.select(ranked, author.username)
        .outerjoin(author, author.id == ranked.c.author_id)
        .where(
            ranked.c.number > 1,
            sa.or_(
                same(ranked.c.summary, "") != same(ranked.c.summary_before, ""),
                same(ranked.c.bottom, "") != same(ranked.c.bottom_before, ""),
            ),
            ranked.c.pick.is_not_distinct_from(ranked.c.pick_before),
        )
        .order_by(ranked.c.number.desc())
        .limit(LIMIT)
    )
    return [
        Entry(
            key=f"edit/{found.id}/{r.number}",
            updated=as_utc(r.created_at),
            title=f"Editors revised their verdict: {r.message}",
            link=page(found.slug, "#verdict-heading"),
            html=Markup("<p><strong>Bottom line:</strong> {}</p><p>{}</p>").format(
                r.bottom or "", r.summary or ""
            ),
            author=r.username,
        )
        for r in rows
    ]


def _posts(found: Subject) -> list[Entry]:
    author = aliased(User)
    rows = db.session.execute(
        sa.select(
            Post.id,
            Post.thread_id,
            Post.created_at,
            Post.edited_at,
            Post.author_id,
            Post.body_html,
            Thread.title,
            author.username,
        )
        .join(Thread, Thread.id == Post.thread_id)
        .outerjoin(author, author.id == Post.author_id)
        .where(
            Thread.comparison_id == found.id,
            Thread.kind == "disagreement",
            Post.hidden_at.is_(None),
            Post.deleted_at.is_(None),
        )
        .order_by(Post.created_at.desc(), Post.id.desc())
        .limit(LIMIT)
    )
    entries = []
    for r in rows:
        who = "Crowdpick" if r.author_id is None else (r.username or "a former member")
        entries.append(
            Entry(
                key=f"post/{r.id}",
                updated=as_utc(r.edited_at or r.created_at),
                title=f"{who} in “{r.title}”",
                link=thread_page(r.thread_id, f"#post-{r.id}"),
                html=Markup(r.body_html),
                author=who,
            )
        )
    return entries
