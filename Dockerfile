# One image for the web process (gunicorn), the Celery workers and beat.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    FLASK_APP=webapp PYTHONPATH=/app
WORKDIR /app
# Exact versions with their hashes (`make lock` writes the file from pyproject.toml): a
# rebuild installs the same bytes, and a tampered or swapped package fails the build.
# Its own layer, so a code change does not reinstall the dependencies.
COPY requirements/deploy.txt requirements/deploy.txt
RUN pip install --no-cache-dir --require-hashes -r requirements/deploy.txt
# The code runs from /app (PYTHONPATH), so nothing unpinned is built or installed here.
COPY webapp ./webapp
COPY workers ./workers
COPY migrations ./migrations
COPY templates ./templates
COPY deploy ./deploy
RUN useradd --create-home crowdpick && mkdir -p /app/instance && chown crowdpick /app/instance
USER crowdpick
EXPOSE 8000
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "webapp:create_app()"]
