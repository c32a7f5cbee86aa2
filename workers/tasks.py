"""Thin task wrappers: load ids, call a service. Safe to run twice (recomputes re-read
the database)."""

from celery import shared_task

from webapp.verdicts import queue, services


@shared_task(name="workers.tasks.recompute_verdict")
def recompute_verdict(comparison_id: int) -> int | None:
    queue.clear_pending(comparison_id)
    verdict = services.recompute_verdict(comparison_id)
    return verdict.version if verdict else None


@shared_task(name="workers.tasks.sweep_verdicts")
def sweep_verdicts() -> int:
    return services.sweep()
