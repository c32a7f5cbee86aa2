"""The latest change of a comparison's editorial pick, as the reader's page states it
("Editors switched from X to Y on <date>"), whether an editor's save or a resolution
made it."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ..catalog.models import Option
from ..extensions import db
from .models import PickChange, Thread


@dataclass
class PickChangeNote:
    from_name: str | None
    to_name: str | None
    changed_at: datetime
    thread_id: int | None
    # The thread was resolved with a conclusion readers can follow.
    concluded: bool


def latest_pick_change(comparison_id: int) -> PickChangeNote | None:
    row = db.session.execute(_latest_pick_change_statement(), {"cid": comparison_id}).first()
    return PickChangeNote(*row) if row else None


@functools.cache
def _latest_pick_change_statement() -> sa.Select:
    # Built once: building it (two aliases) cost more than running it, on every page.
    before, after = aliased(Option), aliased(Option)
    return (
        sa.select(
            # The option's name now (a rename shows), else the name it had then.
            sa.func.coalesce(before.name, PickChange.from_name),
            sa.func.coalesce(after.name, PickChange.to_name),
            PickChange.changed_at,
            PickChange.thread_id,
            Thread.conclusion.is_not(None),
        )
        .outerjoin(after, after.id == PickChange.to_option_id)
        .outerjoin(before, before.id == PickChange.from_option_id)
        .outerjoin(Thread, Thread.id == PickChange.thread_id)
        .where(PickChange.comparison_id == sa.bindparam("cid"))
        .order_by(PickChange.changed_at.desc(), PickChange.id.desc())
        .limit(1)
    )


def option_names(comparison, from_option_id: int | None, to_option_id: int) -> dict:
    """The names a PickChange keeps, so it still reads right after an option is removed."""
    names = {o.id: o.name for o in comparison.options}
    return {"from_name": names.get(from_option_id), "to_name": names.get(to_option_id)}
