"""Celery wired into the Flask app, following Flask's documented pattern: every task runs
inside an app context. Task code lives in ``workers/``; the web side only sends tasks by
name (see webapp/verdicts/queue.py), so it never imports ``workers``."""

from __future__ import annotations

from celery import Celery, Task
from flask import Flask

RECOMPUTE_TASK = "workers.tasks.recompute_verdict"
SWEEP_TASK = "workers.tasks.sweep_verdicts"
MAIL_TASK = "workers.tasks.send_mail"
DIGEST_TASK = "workers.tasks.send_digests"
DIGEST_CHECK_INTERVAL = 3600.0  # s; each member still gets at most one digest a day


def init_celery(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.name, task_cls=FlaskTask)
    celery.config_from_object(app.config["CELERY"])
    celery.conf.beat_schedule = {
        "sweep-verdicts": {"task": SWEEP_TASK, "schedule": app.config["SWEEP_INTERVAL"]},
        "notification-digests": {"task": DIGEST_TASK, "schedule": DIGEST_CHECK_INTERVAL},
    }
    celery.set_default()
    app.extensions["celery"] = celery
    return celery
