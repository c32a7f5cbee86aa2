"""Thin task wrappers: load ids, call a service. Safe to run twice (recomputes re-read
the database)."""

from celery import shared_task
from flask import current_app

from webapp.integrity import services as integrity
from webapp.mail import delivery
from webapp.notifications import digest
from webapp.verdicts import queue, services


@shared_task(name="workers.tasks.recompute_verdict")
def recompute_verdict(comparison_id: int) -> int | None:
    queue.clear_pending(comparison_id)
    verdict = services.recompute_verdict(comparison_id)
    return verdict.version if verdict else None


@shared_task(name="workers.tasks.sweep_verdicts")
def sweep_verdicts() -> int:
    # Holds whose cool-off passed are released first, so this sweep recomputes them.
    integrity.release_cooled_off()
    return services.sweep()


@shared_task(name="workers.tasks.send_mail", bind=True, max_retries=None)
def send_mail(self, mail_id: int) -> None:
    # max_retries=None: the limit is MAIL_MAX_RETRIES from config, counted here, so the
    # last attempt records the row as failed instead of Celery dropping it silently.
    last_try = self.request.retries >= current_app.config["MAIL_MAX_RETRIES"]
    if delivery.deliver(mail_id, last_try=last_try):
        raise self.retry(countdown=delivery.retry_delay(self.request.retries))


@shared_task(name="workers.tasks.send_digests")
def send_digests() -> int:
    # Beat runs it hourly; digest.send_digests sends nothing when mail is not configured.
    return digest.send_digests()
