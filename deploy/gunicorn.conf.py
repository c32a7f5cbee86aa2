"""gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py 'webapp:create_app()'`.

Sync workers behind nginx (deploy/nginx.conf), which buffers requests and responses, so a
slow client costs an nginx connection, never a gunicorn worker. Every value can be changed
from the environment; command-line flags still win over this file.
"""

import os


def _env(name: str, default):
    value = os.environ.get(name)
    return type(default)(value) if value not in (None, "") else default


bind = _env("GUNICORN_BIND", "0.0.0.0:8000")
# WEB_CONCURRENCY is also gunicorn's own default source; about 2 per core for sync workers.
workers = _env("WEB_CONCURRENCY", 4)
worker_class = "sync"
# A request running longer than this is killed (its worker restarted): nginx's
# proxy_read_timeout is a little longer, so the client gets this 500, not a 504 first.
timeout = _env("GUNICORN_TIMEOUT", 30)
# On SIGTERM workers finish the requests they are serving for up to this long.
graceful_timeout = _env("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = 2
# Recycle each worker after about this many requests (the jitter keeps them from all
# restarting at once), bounding what a slow leak could grow to. (Each recycled worker
# leaves its Prometheus files behind, still summed by scrapes; a restart clears them.)
max_requests = _env("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _env("GUNICORN_MAX_REQUESTS_JITTER", 100)
# The worker heartbeat file on tmpfs: a container's disk can stall it (Docker's /tmp is not).
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"
# Whose X-Forwarded-Proto gunicorn believes for wsgi.url_scheme. The client address is
# taken by the app's ProxyFix (CROWDPICK_TRUSTED_PROXY_HOPS); compose sets "*" because only
# the proxy can reach the web containers.
forwarded_allow_ips = _env("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Requests the app never wants, refused before a worker parses them (nginx limits first).
limit_request_line = 8190
limit_request_fields = 100

accesslog = "-"
errorlog = "-"
loglevel = _env("LOG_LEVEL", "info").lower()
# The X-Request-ID the app answered with (taken from nginx or generated), and the time in ms.
access_log_format = (
    '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s" request_id=%({x-request-id}o)s'
)

if _env("LOG_FORMAT", "text").lower() == "json":
    # gunicorn's own lines (start-up, worker timeouts, the access log) as JSON too.
    # Replaces gunicorn's defaults key by key: the root logger gets no handler here (the
    # app adds its own, with request ids), and gunicorn's loggers do not propagate to it.
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "root": {"level": "WARNING", "handlers": []},
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
                "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            }
        },
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stdout",
            }
        },
        "loggers": {
            "gunicorn.error": {
                "handlers": ["stdout"],
                "level": loglevel.upper(),
                "propagate": False,
            },
            "gunicorn.access": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        },
    }


def on_starting(server):
    # Prometheus multiprocess mode: one empty directory of metric files per start, since
    # files left by an earlier run would be added to this one's counters.
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        os.makedirs(directory, exist_ok=True)
        for name in os.listdir(directory):
            if name.endswith(".db"):
                os.unlink(os.path.join(directory, name))


def child_exit(server, worker):
    # A recycled or dead worker's live gauges must stop counting.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
