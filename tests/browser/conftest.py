"""Browser tests: Debian's Chromium through Playwright (never a downloaded browser), against
the demo site served as in production: a throw-away PostgreSQL database, a private Redis,
ONE real Celery worker that computes every verdict, and the web app in its own process,
configured from the environment like the worker (`live_server`, `pg_site`).

The session's site is built once: the demo comparisons, the demo month of activity
(`demo seed`: members, votes, ratings, an open and a resolved disagreement) and a few
accounts the tests sign in with. Recomputes are asynchronous now: tests wait on what the
page shows (Playwright `expect`, bounded), never on a sleep.

`demo_app` (a SQLite file with the demo comparisons, recomputed in-process) stays for the
few modules that need their own, differently configured site.
"""

from __future__ import annotations

import os
from pathlib import Path

import psycopg
import pytest

from tests import factories
from tests import workers_harness as harness
from tests.conftest import ROOT, TEST_SETTINGS, make_app, missing_service
from tests.live import serve_in_process
from webapp.catalog.importer.runner import import_paths
from webapp.extensions import db

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WIDTHS = (1280, 390)
SCHEMES = ("light", "dark")
WORKER_MS = 30_000  # the longest wait for the worker's recompute to reach a page

DEMO = ROOT / "webapp" / "catalog" / "demo"
# Accounts of the session's site (password tests.factories.PASSWORD).
MODERATOR, EDITOR, VOTER, ADMIN = "site-mod", "site-editor", "axe-voter", "axe-admin"
# The generous limits of tests/conftest.py, as the variables webapp/config.py reads: the
# web process is configured from its environment alone.
SITE_ENV = {f"CROWDPICK_{key}": value for key, value in TEST_SETTINGS.items() if key != "TESTING"}


def import_demo(paths=(DEMO,)) -> None:
    """The demo comparisons (or some of their page files), published, into the current
    app's database; every file must import."""
    outcomes = list(import_paths(list(paths), dry_run=False, status="published", max_bytes=10**6))
    assert outcomes and all(o.status == "imported" for o in outcomes)
    db.session.commit()


def demo_app(tmp_path_factory, name: str, **overrides):
    """An app on its own SQLite file with the demo comparisons imported."""
    tmp = tmp_path_factory.mktemp(name)
    app = make_app(tmp, f"sqlite:///{tmp / 'site.sqlite3'}", **overrides)
    with app.app_context():
        import_demo()
        db.session.remove()
    return app


def _check_env_names(env: dict[str, str]) -> None:
    """Every variable must reach the setting it stands for (a typo would leave the
    production limit in the web process, and tests failing on a 429 far from here)."""
    from webapp.config import from_environment

    with harness._environ(env):
        config = from_environment()
    for name, value in env.items():
        key = name.removeprefix("CROWDPICK_")
        assert config[key] == value, f"{name} does not set {key}"


def _seed_site(tmp: Path, database_url: str) -> None:
    """The demo comparisons, the demo month and the site's accounts. Set up by an app
    without Redis (verdicts recomputed in-process, as `make run` seeds), so the month's
    history is dated as planned whatever the worker would do with a burst of requests;
    what is under test starts after it."""
    from webapp.pages.demo import seed

    inherited = os.environ.pop("REDIS_URL", None)  # a CI's Redis must not reach it either
    try:
        app = make_app(tmp, database_url)
    finally:
        if inherited is not None:
            os.environ["REDIS_URL"] = inherited
    assert app.config["REDIS_URL"] is None
    with app.app_context():
        import_demo()
        assert seed(echo=lambda _: None)
        factories.user(MODERATOR, role="moderator", age_days=400)
        factories.user(EDITOR, role="editor", age_days=400)
        factories.user(VOTER, age_days=200, verified=True, active_days=10)
        factories.user(ADMIN, role="admin", age_days=400)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def pg_site(postgres_databases, tmp_path_factory, request):
    """The session's site: `.base` (its URL), `.app` (the app in this process, on the same
    database and Redis, for setting up data), `.pg` (a plain connection for reading)."""
    _check_env_names(SITE_ENV)
    url = postgres_databases()
    tmp = tmp_path_factory.mktemp("pg-site")
    with harness.stack(url, tmp, workers=0, **SITE_ENV) as stack:
        _seed_site(tmp / "seed", url)
        stack.start_worker()
        with (
            psycopg.connect(url, autocommit=True) as stack.pg,
            serve_in_process(stack.process_env(), tmp / "web.log", timeout=60) as stack.base,
        ):
            try:
                yield stack
            finally:
                if request.session.testsfailed:
                    web = (tmp / "web.log").read_text(errors="replace").splitlines()[-80:]
                    print(f"\n===== site logs ({tmp}) =====\n{stack.logs(120)}")
                    print("--- web.log ---\n" + "\n".join(web))


@pytest.fixture(scope="session")
def live_server(pg_site) -> str:
    return pg_site.base


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        missing_service(f"Chromium not found at {CHROMIUM} (make test installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def desktop(browser):
    """One page at desktop width, for tests that need only one."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture(params=[(1280, 900), (360, 740)], ids=["desktop", "phone"])
def page(request, browser):
    width, height = request.param
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.viewport_name = request.node.callspec.id
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    """Saved for a person to look at; not committed (test-artifacts/ is ignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}-{page.viewport_size['width']}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def shoot(page, item: int, what: str, at=None) -> list[Path]:
    """The page as it is now at 1280 and 390 px, light and dark, as
    i13-<item>-<what>-<width>-<scheme>.png (issue 13's items): the whole page, or with
    `at` (a locator) the screen around it, which keeps a control's state readable on a
    long page. The page's own size and scheme are put back afterwards."""
    ARTIFACTS.mkdir(exist_ok=True)
    size = page.viewport_size
    paths = []
    try:
        for scheme in SCHEMES:
            page.emulate_media(color_scheme=scheme)
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                if at is not None:
                    at.evaluate("e => e.scrollIntoView({block: 'center'})")
                path = ARTIFACTS / f"i13-{item}-{what}-{width}-{scheme}.png"
                page.screenshot(path=str(path), full_page=at is None)
                paths.append(path)
    finally:
        page.emulate_media(color_scheme="light")
        page.set_viewport_size(size)
    return paths
