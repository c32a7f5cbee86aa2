"""The token page and the API docs page in Chromium: a token is created and shown once,
revoked from its row; both pages saved at 1280 and 390 px, light and dark."""

from __future__ import annotations

import pytest

from tests import factories
from tests.browser.conftest import ARTIFACTS
from tests.conftest import make_app
from tests.helpers import sign_in_page
from tests.live import serve_in_thread
from webapp.extensions import db


def _shoot(page, name: str, widest: dict) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(
                path=str(ARTIFACTS / f"api-{name}-{width}-{scheme}.png"), full_page=True
            )
            # No wider than the site's own /about page for this member (the shared header
            # sets that): nothing of these pages adds sideways scrolling.
            scroll = page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= max(width, widest[width]), f"{name} is {scroll}px wide at {width}px"
    page.emulate_media(color_scheme="light")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("api-pages")
    app = make_app(tmp, f"sqlite:///{tmp / 'site.sqlite3'}")
    with app.app_context():
        factories.established("token-maker")
        db.session.commit()
    with serve_in_thread(app) as base:
        yield base


def test_token_page_create_then_revoke(site, browser):
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        sign_in_page(page, site, "token-maker")
        widest = {}
        page.goto(site + "/about")
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            widest[width] = page.evaluate("document.documentElement.scrollWidth")
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(site + "/u/token-maker")
        page.get_by_role("link", name="API access tokens").click()
        page.fill("#token-name", "my blog")
        page.get_by_label("vote", exact=False).first.check()
        page.get_by_role("button", name="Create token").click()
        secret = page.locator("#new-token")
        expect(secret).to_have_value(__import__("re").compile(r"^cp_.{40,}$"))
        _shoot(page, "tokens-created", widest)
        page.goto(site + "/account/tokens")
        expect(page.locator("#new-token")).to_have_count(0)  # shown once only
        page.get_by_role("button", name="Revoke the token my blog").click()
        expect(page.locator(".token-list")).to_contain_text("revoked")
        _shoot(page, "tokens-list", widest)
        page.goto(site + "/api/docs")
        expect(page.get_by_role("heading", name="Operations")).to_be_visible()
        _shoot(page, "docs", widest)
    finally:
        context.close()
