"""The deployment files, read as data (Docker does not run here): compose's restart and
shutdown policies and proxy, the gunicorn settings, and the hashed lock the image uses."""

from __future__ import annotations

import re
import runpy
import tomllib

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import ROOT

LONG_RUNNING = {"postgres", "redis", "web", "worker", "beat", "proxy"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def env_default(service: dict, name: str) -> str:
    """The value compose gives `name`, with `${VAR:-default}` read as its default."""
    value = str(service["environment"][name])
    found = re.fullmatch(r"\$\{\w+:-(.*)\}", value)
    return found.group(1) if found else value


def test_every_long_running_service_restarts_by_itself(compose):
    assert set(compose) >= LONG_RUNNING
    for name in LONG_RUNNING:
        assert compose[name].get("restart") == "unless-stopped", name
    assert compose["migrate"]["restart"] == "no"  # a one-off: runs, exits, done


def test_nginx_fronts_gunicorn_and_the_app_trusts_one_hop(compose):
    proxy, web = compose["proxy"], compose["web"]
    assert proxy["image"].startswith("nginx:")
    assert "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in proxy["volumes"]
    assert proxy["ports"] and "ports" not in web  # only nginx is reachable from outside
    assert env_default(web, "CROWDPICK_TRUSTED_PROXY_HOPS") == "1"
    assert "proxy_pass $crowdpick_web" in (ROOT / "deploy" / "nginx.conf").read_text()
    assert "http://web:8000" in (ROOT / "deploy" / "nginx.conf").read_text()


def test_commands_receive_sigterm_and_have_time_to_finish(compose):
    gunicorn = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    for name in ("web", "worker", "beat", "migrate"):
        command = compose[name]["command"]
        # One line: a line break inside `sh -c '...'` would end the command there.
        assert "\n" not in command.strip(), name
        if "sh -c" in command:  # the shell must hand PID 1 over, or SIGTERM stops at sh
            assert "exec " in command, name
    assert "gunicorn -c deploy/gunicorn.conf.py" in compose["web"]["command"]
    assert _seconds(compose["web"]["stop_grace_period"]) > gunicorn["graceful_timeout"]
    # Celery's warm shutdown finishes running recomputes within this.
    assert _seconds(compose["worker"]["stop_grace_period"]) >= 60


def _seconds(text: str) -> int:
    found = re.fullmatch(r"(\d+)(s|m)", text)
    return int(found.group(1)) * (60 if found.group(2) == "m" else 1)


def test_gunicorn_settings_and_their_environment_overrides(monkeypatch):
    path = str(ROOT / "deploy" / "gunicorn.conf.py")
    settings = runpy.run_path(path)
    assert settings["worker_class"] == "sync"
    assert settings["timeout"] == 30 and settings["graceful_timeout"] == 30
    assert settings["max_requests"] == 1000 and settings["max_requests_jitter"] == 100
    assert "%({x-request-id}o)s" in settings["access_log_format"]
    assert "logconfig_dict" not in settings  # text logs unless LOG_FORMAT=json
    monkeypatch.setenv("WEB_CONCURRENCY", "9")
    monkeypatch.setenv("GUNICORN_MAX_REQUESTS", "50")
    monkeypatch.setenv("LOG_FORMAT", "json")
    settings = runpy.run_path(path)
    assert settings["workers"] == 9 and settings["max_requests"] == 50
    assert settings["logconfig_dict"]["loggers"]["gunicorn.access"]["propagate"] is False


def test_the_image_installs_the_hashed_lock():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install --no-cache-dir --require-hashes -r requirements/deploy.txt" in dockerfile
    assert '"-c", "deploy/gunicorn.conf.py"' in dockerfile
    assert "pip install -e ." not in dockerfile and "pip install ." not in dockerfile


def test_the_lock_pins_every_dependency_of_pyproject_with_hashes():
    lock = (ROOT / "requirements" / "deploy.txt").read_text()
    pins: dict[str, str] = {}
    for block in re.split(r"\n(?=\S)", lock):
        found = re.match(r"([A-Za-z0-9._-]+)==([^\s\\;]+)", block)
        if found:
            assert "--hash=sha256:" in block, f"{found.group(1)} has no hash"
            pins[canonicalize_name(found.group(1))] = found.group(2)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for line in project["dependencies"]:
        wanted = Requirement(line)
        name = canonicalize_name(wanted.name)
        assert name in pins, f"{wanted.name} is not in requirements/deploy.txt: run `make lock`"
        assert wanted.specifier.contains(pins[name], prereleases=True), (
            f"{wanted.name}=={pins[name]} is outside {wanted.specifier}: run `make lock`"
        )
