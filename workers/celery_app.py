"""Worker entry point: `celery -A workers.celery_app worker` (and `... beat`).

Builds the Flask app (configuration from the environment) and uses the Celery instance
it set up, so every task runs inside an app context.
"""

from webapp import create_app

flask_app = create_app()
celery_app = flask_app.extensions["celery"]

from workers import tasks  # noqa: E402,F401  (registers the tasks)
