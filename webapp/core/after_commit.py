"""Work that may only happen once the transaction has committed (Warehouse's pattern):
recompute requests, mails. Each kind of work collects ids on the SQLAlchemy session under
its own key; ``commit()`` commits, then hands every kind its ids; a rollback of the
outermost transaction drops them all. One mechanism, so a transaction that both votes
and mails sends both, whichever module's commit it calls."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

_HANDLERS: dict[str, Callable] = {}


def register(key: str, handler: Callable) -> None:
    """``handler(ids)`` runs after a commit with what ``defer(key, ...)`` collected."""
    _HANDLERS[key] = handler


def run_committed(key: str, items) -> None:
    """Hand ``items`` to ``key``'s handler, for a writer that committed outside the
    session (the vote's own path, voting/fastpath.py, writes in autocommit)."""
    handler = _HANDLERS.get(key)
    if handler is not None and items:
        handler(items)


def defer(key: str, item: int, unique: bool = False) -> None:
    from ..extensions import db

    if unique:
        db.session.info.setdefault(key, set()).add(item)
    else:
        db.session.info.setdefault(key, []).append(item)


def commit() -> None:
    """Commit the session, then run the work this transaction deferred."""
    from ..extensions import db

    db.session.commit()
    for key, handler in _HANDLERS.items():
        items = db.session.info.pop(key, None)
        if items:
            handler(items)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the outermost transaction: nothing commits
        for key in _HANDLERS:
            session.info.pop(key, None)
