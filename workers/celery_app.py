"""Worker entry point: `celery -A workers.celery_app worker` (and `... beat`).

Builds the Flask app (configuration from the environment) and uses the Celery instance
it set up, so every task runs inside an app context. The signal handlers below are the
operations hooks: JSON logs with task ids, recompute timings for Prometheus, the worker
heartbeat that /readyz reads.
"""

from celery import signals

from webapp import create_app
from webapp.background import RECOMPUTE_TASK, SWEEP_TASK
from webapp.core import health, logs, metrics

flask_app = create_app()
celery_app = flask_app.extensions["celery"]
# The web's broker timeouts are short, as a request must not wait on Redis. Worker and
# beat only need a stalled or half-open broker to end in a reconnect, not a hang.
_timeout = flask_app.config["WORKER_REDIS_TIMEOUT"]
celery_app.conf.broker_connection_timeout = _timeout
celery_app.conf.broker_transport_options = {
    **celery_app.conf.broker_transport_options,
    "socket_connect_timeout": _timeout,
    "socket_timeout": _timeout,
}

from workers import tasks  # noqa: E402,F401  (registers the tasks)


@signals.after_setup_logger.connect
@signals.after_setup_task_logger.connect
def _log_format(logger, **_kwargs):
    # Celery installs its own handlers at start: give them our format and task ids.
    logs.use_for_celery(logger.handlers, flask_app.config["LOG_FORMAT"])


@signals.worker_ready.connect
def _serve_metrics(**_kwargs):
    port = flask_app.config["WORKER_METRICS_PORT"]
    if port:
        metrics.serve_worker_metrics(port)


@signals.task_prerun.connect
def _task_started(task_id=None, task=None, **_kwargs):
    if task is not None and task.name == RECOMPUTE_TASK:
        metrics.task_started(task_id)


@signals.task_postrun.connect
def _task_finished(task_id=None, task=None, state=None, **_kwargs):
    if task is None:
        return
    if task.name == RECOMPUTE_TASK:
        metrics.task_finished(task_id)
    elif task.name == SWEEP_TASK and state == "SUCCESS":
        health.record_heartbeat(flask_app)
