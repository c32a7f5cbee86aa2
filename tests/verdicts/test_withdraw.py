"""A withdrawn vote reaches the stored verdict: through the recompute its commit requests
(in-process here, as in the one-machine default) and, when that request is lost, through
the sweep, which finds the comparison only because the withdrawal marked its inputs.
On both engines (the `session` fixture runs on SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from tests import factories
from webapp.scoring.verdict import LEANING, NOT_ENOUGH, TOO_CLOSE
from webapp.verdicts import queue, services
from webapp.voting.services import cast_vote, withdraw_vote


def stored(comparison_id: int) -> tuple[int, str, int | None]:
    verdict = services.get_verdict(comparison_id)
    return verdict.counted_votes, verdict.state, verdict.pick_option_id


def crowd(comp, for_first: int, for_second: int) -> list:
    members = [factories.established() for _ in range(for_first + for_second)]
    first, second = comp.options
    for i, member in enumerate(members):
        cast_vote(member, comp, (first if i < for_first else second).id)
    return members


def test_withdrawn_votes_change_the_stored_verdict(session):
    comp = factories.comparison()
    first = comp.options[0].id
    members = crowd(comp, 6, 4)
    assert stored(comp.id) == (10, LEANING, first)  # 6-4: 0.7256

    assert withdraw_vote(members[0], comp) is True
    assert stored(comp.id) == (9, LEANING, first)  # 5-4: 0.623
    withdraw_vote(members[1], comp)
    assert stored(comp.id) == (8, TOO_CLOSE, None)  # 4-4: no pick any more
    withdraw_vote(members[-1], comp)
    assert stored(comp.id) == (7, NOT_ENOUGH, None)  # less than min_votes (8) of weight
    assert comp.id not in services.stale_comparisons()


@pytest.fixture()
def queue_lost(monkeypatch):
    """Every recompute request is lost after its commit (Redis down): only the sweep can
    bring the verdict up to date, and only for comparisons whose inputs were marked."""
    lost: list[set[int]] = []
    monkeypatch.setattr(queue, "dispatch", lambda ids: lost.append(set(ids)))
    return lost


def test_a_withdrawal_whose_request_is_lost_is_found_by_the_sweep(session, queue_lost):
    comp = factories.comparison()
    members = crowd(comp, 9, 1)
    assert services.sweep() == 1  # the lost casts
    assert stored(comp.id)[0] == 10

    queue_lost.clear()
    withdraw_vote(members[-1], comp)  # the only vote for the second option
    assert queue_lost == [{comp.id}], "the withdrawal asked for a recompute"
    assert stored(comp.id)[0] == 10, "nothing recomputed: the request was lost"
    assert services.stale_comparisons() == [comp.id]
    assert services.sweep() == 1
    assert stored(comp.id)[0] == 9 and services.stale_comparisons() == []


def test_withdrawing_nothing_changes_nothing(session, queue_lost):
    comp = factories.comparison()
    crowd(comp, 9, 1)
    services.sweep()
    version = services.get_verdict(comp.id).version
    queue_lost.clear()
    assert withdraw_vote(factories.established(), comp) is False
    assert queue_lost == [] and services.stale_comparisons() == []
    assert services.get_verdict(comp.id).version == version
