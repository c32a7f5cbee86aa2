# Image for the web process (and, later, the Celery worker and beat).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 FLASK_APP=webapp
WORKDIR /app
COPY pyproject.toml README.md ./
COPY webapp ./webapp
COPY workers ./workers
COPY migrations ./migrations
COPY templates ./templates
RUN pip install --no-cache-dir -e . && useradd --create-home crowdpick && chown crowdpick /app
USER crowdpick
EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "4", "webapp:create_app()"]
