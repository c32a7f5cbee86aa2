"""Every public page in headless Chromium at desktop and phone widths."""

import re

import pytest

from .conftest import screenshot

pytestmark = pytest.mark.browser


def no_sideways_scroll(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


@pytest.mark.parametrize(
    "path, heading",
    [
        ("/", "Pick a side"),
        ("/compare/postgresql-vs-mysql-vs-sqlite", "PostgreSQL vs MySQL vs SQLite"),
        ("/tags", "Tags"),
        ("/tags/databases", "#databases"),
        ("/about", "About Crowdpick"),
        ("/compare/not-a-real-one", "We couldn’t find that page"),
    ],
)
def test_page_renders_and_fits_the_screen(page, live_server, path, heading):
    response = page.goto(live_server + path)
    assert response.status == (404 if "not-a-real" in path else 200)
    assert page.locator("h1").first.inner_text() == heading
    assert no_sideways_scroll(page)
    screenshot(page, re.sub(r"\W+", "-", path).strip("-") or "home")


def test_search_from_the_header_and_open_a_result(page, live_server):
    page.goto(live_server + "/about")
    page.fill("#site-q", "sqlite")
    page.press("#site-q", "Enter")
    page.wait_for_url(re.compile(r"\?q=sqlite"))
    assert "Results for “sqlite”" in page.locator("h1").inner_text()
    page.click("text=PostgreSQL vs MySQL vs SQLite")
    page.wait_for_url(re.compile("/compare/postgresql-vs-mysql-vs-sqlite"))
    assert page.locator(".pick-card .pick-name").inner_text() == "PostgreSQL"


def test_keyboard_skip_link_and_visible_focus(page, live_server):
    page.goto(live_server + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to content"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


def test_tag_filter_narrows_the_list(page, live_server):
    page.goto(live_server + "/")
    total = page.locator(".comparison-card").count()
    page.click(".tag-filter >> text=#travel")
    page.wait_for_url(re.compile(r"tag=travel"))
    cards = page.locator(".comparison-card")
    assert 0 < cards.count() < total
    for i in range(cards.count()):
        assert "#travel" in cards.nth(i).inner_text()


def test_empty_search_state(page, live_server):
    page.goto(live_server + "/?q=zzzz-nothing")
    assert page.locator(".empty-state h2").inner_text() == "Nothing matches"
    screenshot(page, "empty-search")
