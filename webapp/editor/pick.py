"""A change of the editorial pick from the editor's form: recorded (who, when, why, the
open thread, the option names as they were), logged publicly, and, when the new pick is
the one the community asks for, the open disagreement is answered and resolved."""

from __future__ import annotations

import sqlalchemy as sa

from ..accounts.models import User
from ..catalog.models import Comparison
from ..core.clock import utcnow
from ..discussions.markup import render_markdown
from ..discussions.models import PickChange, Post
from ..discussions.services import add_system_post, current_disagreement
from ..extensions import db
from ..modlog import services as modlog
from ..notifications import services as notifications
from ..verdicts.models import CommunityVerdict


def record_pick_change(
    editor: User,
    comparison: Comparison,
    old: tuple[int, str | None],
    new_pick: int,
    message: str,
) -> None:
    """``old`` is the previous pick's id and its name, read before the save (which may
    have removed that option)."""
    old_pick, old_name = old
    names = {o.id: o.name for o in comparison.options}
    thread = current_disagreement(comparison.id)
    modlog.record_pick_change(editor, comparison, old_pick, new_pick, message)
    db.session.add(
        PickChange(
            comparison_id=comparison.id,
            # None once the save deleted that option (its name stays in from_name).
            from_option_id=old_pick if old_pick in names else None,
            to_option_id=new_pick,
            from_name=old_name,
            to_name=names[new_pick],
            changed_by_id=editor.id,
            thread_id=thread.id if thread else None,
            reason=message,
        )
    )
    community = db.session.get(CommunityVerdict, comparison.id)
    if thread is None or community is None or community.pick_option_id != new_pick:
        return
    add_system_post(
        thread,
        f"The editors switched the pick from {old_name or 'a removed option'} "
        f"to {names[new_pick]}, as the community's votes and weights asked: {message}",
    )
    now = utcnow()
    thread.status, thread.resolved_at, thread.resolved_by_id = "resolved", now, editor.id
    thread.conclusion, thread.conclusion_html = message, render_markdown(message)
    posters = sa.select(Post.author_id).where(Post.thread_id == thread.id)
    notifications.notify_resolution(thread, editor.id, posters)
