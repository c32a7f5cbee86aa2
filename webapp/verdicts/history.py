"""The verdict history as a story: the events the history chart marks besides the
verdict's own versions, read in one statement, and the chart laid out with them.

Events (oldest first):
- "switch": the editors changed their pick (pick_changes: the editor form or a resolution);
- "disagreement": a disagreement thread was opened (threads.created_at);
- "edit": an editor saved the page (comparison_revisions after the first, which is the
  content as created or as imported); a comparison edited before revisions were kept has
  only comparisons.edited_at, used when no revision and no switch explains it.
"Community pick first named" and "community pick changed" come from the history rows
themselves (chart.story): the community's first named pick is the moment its verdict
became worth reading, whereas the editorial pick exists from the page's first day.
"""

from __future__ import annotations

import functools
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ..accounts.models import User
from ..catalog.models import Option
from ..catalog.revisions import Revision
from ..core import cached
from ..discussions.models import PickChange, Thread
from ..extensions import db
from . import chart
from .history_axis import as_utc
from .models import CommunityVerdict, VerdictHistory

MAX_EVENTS = 100  # the latest ones; older edits matter less than a page's length
# Versions read for the chart at most (then thinned to chart.DRAWN): every n-th one, and
# every one where the community pick or the state changed, the first and the last.
MAX_READ = 400
NOTE_CHARS = 80


def _short(text: str | None) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= NOTE_CHARS else text[: NOTE_CHARS - 1].rstrip() + "…"


@functools.cache
def _events_query() -> sa.Select:
    # Built once (bound by :c): building it with its aliases cost more than running it.
    comparison_id = sa.bindparam("c")
    before, after = aliased(Option), aliased(Option)
    switched_by, author = aliased(User), aliased(User)
    resolved = aliased(Thread)
    switches = (
        sa.select(
            sa.literal("switch").label("kind"),
            PickChange.changed_at.label("at"),
            # The option's name now, else the one kept when it was removed.
            sa.func.coalesce(before.name, PickChange.from_name).label("a"),
            sa.func.coalesce(after.name, PickChange.to_name).label("b"),
            switched_by.username.label("who"),
            # A resolution's reason is its thread's conclusion.
            sa.func.coalesce(PickChange.reason, resolved.conclusion).label("note"),
        )
        .outerjoin(after, after.id == PickChange.to_option_id)
        .outerjoin(resolved, resolved.id == PickChange.thread_id)
        .outerjoin(before, before.id == PickChange.from_option_id)
        .outerjoin(switched_by, switched_by.id == PickChange.changed_by_id)
        .where(PickChange.comparison_id == comparison_id)
    )
    threads = sa.select(
        sa.literal("disagreement"),
        Thread.created_at,
        Thread.title,
        sa.null(),
        sa.null(),
        sa.null(),
    ).where(Thread.comparison_id == comparison_id, Thread.kind == "disagreement")
    edits = (
        sa.select(
            sa.case((Revision.number == 1, "created"), else_="edit"),
            Revision.created_at,
            sa.null(),
            sa.null(),
            author.username,
            Revision.message,
        )
        .outerjoin(author, author.id == Revision.author_id)
        .where(Revision.comparison_id == comparison_id)
    )
    every = sa.union_all(switches, threads, edits).subquery()
    return sa.select(every).order_by(every.c.at.desc()).limit(MAX_EVENTS)


def events_of(comparison) -> list[chart.Event]:
    """What happened to ``comparison`` besides its verdict's versions, oldest first."""
    rows = db.session.execute(_events_query(), {"c": comparison.id}).all()
    out: list[chart.Event] = []
    revised = False
    # A save that switched the pick is one event (the switch names its reason), not also
    # an edit: its revision has the same author and message, within the same moment.
    switches = [(who, note, as_utc(at)) for kind, at, _, _, who, note in rows if kind == "switch"]
    for kind, at, a, b, who, note in rows:
        if kind == "edit" and any(
            (who, note) == (s_who, s_note) and abs(as_utc(at) - s_at) < timedelta(seconds=5)
            for s_who, s_note, s_at in switches
        ):
            continue
        if kind == "switch":
            text = f"Editors switched their pick from {a or 'none'} to {b}"
            text += f" ({who})" if who else ""
            text += f": “{_short(note)}”" if note else ""
        elif kind == "disagreement":
            text = f"Disagreement opened: {_short(a)}"
        elif kind == "edit":
            text = f"Edited by {who or 'an editor'}: {_short(note)}"
        else:  # the first revision: the page as created or imported, not an edit
            revised = True
            continue
        revised = revised or kind == "edit"
        out.append(chart.Event(kind, as_utc(at), text))
    edited = comparison.edited_at
    if edited is not None and not revised:
        edited = as_utc(edited)
        explained = any(
            e.kind == "switch" and abs(e.at - edited) < timedelta(seconds=5) for e in out
        )
        if not explained:
            out.append(chart.Event("edit", edited, "Edited on the site"))
    return sorted(out, key=lambda e: e.at)


def versions_with_previous(comparison_id, *columns) -> sa.Subquery:
    """A comparison's verdict versions with the pick and state of the version before
    (``before``, ``state_before``): where the pick or the state changed. ``columns``: more
    of verdict_history's columns or window expressions to carry."""
    h = VerdictHistory.__table__
    in_order = {"order_by": h.c.version}
    return (
        sa.select(
            h.c.version,
            h.c.pick_option_id,
            h.c.state,
            sa.func.lag(h.c.pick_option_id).over(**in_order).label("before"),
            sa.func.lag(h.c.state).over(**in_order).label("state_before"),
            *columns,
        )
        .where(h.c.comparison_id == comparison_id)
        .subquery()
    )


@functools.cache
def _points_query() -> sa.Select:
    comparison_id, most = sa.bindparam("c"), sa.bindparam("most", type_=sa.Integer)
    h = VerdictHistory.__table__
    in_order = {"order_by": h.c.version}
    # The window runs over the narrow columns only; the chosen versions' JSON is read after.
    ranked = versions_with_previous(
        comparison_id,
        sa.func.row_number().over(**in_order).label("n"),
        sa.func.count().over().label("total"),
    )
    every = sa.case((ranked.c.total > most, ranked.c.total // most), else_=1)
    chosen = sa.select(ranked.c.version).where(
        sa.or_(
            ranked.c.n == 1,
            ranked.c.n == ranked.c.total,
            ranked.c.n % every == 0,
            ranked.c.pick_option_id.is_distinct_from(ranked.c.before),
            ranked.c.state != ranked.c.state_before,
        )
    )
    return (
        sa.select(
            h.c.version,
            h.c.computed_at,
            h.c.pick_option_id,
            h.c.state,
            h.c.weighted_votes,
            h.c.options,
        )
        .where(h.c.comparison_id == comparison_id, h.c.version.in_(chosen))
        .order_by(h.c.version)
    )


def points_of(comparison_id: int, most: int = MAX_READ) -> list[chart.Point]:
    """The versions the chart may draw, oldest first, in one statement: about ``most`` of
    them evenly spread over the whole history, plus each one where the community pick or
    the state changed (so no flip is lost however long the history)."""
    rows = db.session.execute(_points_query(), {"c": comparison_id, "most": most})
    return [
        chart.Point(
            r.version,
            r.computed_at,
            {o["option"]: o["score"] for o in r.options},
            r.pick_option_id,
            r.state or "",
            float(r.weighted_votes or 0),
        )
        for r in rows
    ]


def chart_for(comparison) -> chart.Chart | None:
    """The history chart of ``comparison`` over its whole history, with the events marked.
    None before there are two versions to draw.

    The events are read each time (one statement) and with the verdict's version they name
    the layout in the cache: the history only grows with a new version, so a stored layout
    is reused until one of them moves (signed-in pages get it too; see
    templates/verdicts/_why_and_history.html for the rendered fragment)."""
    events = events_of(comparison)
    verdict = db.session.get(CommunityVerdict, comparison.id)  # page_data has loaded it
    key = "chart:" + cached.digest(
        cached.code_version(),
        comparison.id,
        verdict.version if verdict is not None else 0,
        comparison.title,
        [(o.id, o.name) for o in comparison.options],
        [(e.kind, e.at.isoformat(), e.text) for e in events],
    )
    found = cached.get(key)
    if found is not None:
        return found or None  # False: stored "no chart yet"
    laid_out = _layout(comparison, events, key)
    cached.put(key, laid_out or False)
    return laid_out


def _layout(comparison, events: list[chart.Event], key: str) -> chart.Chart | None:
    points = points_of(comparison.id)
    if len(points) < 2:
        return None
    laid_out = chart.layout(
        points,
        comparison.options,
        f"Community score of each option over time: {comparison.title}",
        events,
    )
    laid_out.key = key
    return laid_out
