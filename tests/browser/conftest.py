"""Browser tests: a real server thread on a SQLite file with the demo content, driven by
Debian's Chromium through Playwright (never a downloaded browser)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import ROOT, make_app, missing_service
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


DEMO = ROOT / "webapp" / "catalog" / "demo"


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


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    app = demo_app(tmp_path_factory, "live")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


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
