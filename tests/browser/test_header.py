"""The site header for everyone who sees a different one: signed out, a member, and staff
(an editor, a moderator, an admin with both links). One line at 1280 px; on a phone every
link is on screen (the sections wrap under the brand, never scrolling sideways out of
sight) and reachable with the keyboard. Screenshots, light and dark, at 1280 and 390 px:
test-artifacts/i13-header-*.png."""

from __future__ import annotations

import pytest

from tests import factories
from tests.conftest import make_app
from tests.helpers import sign_in_page
from tests.live import serve_in_thread
from webapp.extensions import db

from .conftest import screenshot

pytestmark = pytest.mark.browser

# username -> role; None is the reader who is not signed in.
PEOPLE = {None: None, "mira": "member", "edna": "editor", "mona": "moderator", "ada": "admin"}
STAFF_LINKS = {"editor": ["Editor"], "moderator": ["Moderation"], "admin": ["Editor", "Moderation"]}
ONE_LINE_MAX = 64  # px at 1280: one row of header
PHONE_MAX = {"staff": 110, "other": 80}  # px at 390: it used to take about 240
LINKS = ".site-nav a, .account-nav a, .account-nav button"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("header")
    app = make_app(tmp, f"sqlite:///{tmp / 'site.sqlite3'}")
    with app.app_context():
        for username, role in PEOPLE.items():
            if username:
                factories.established(username, role=role)
        db.session.commit()
        db.session.remove()
    with serve_in_thread(app) as base:
        yield base


@pytest.fixture(scope="module")
def sessions(browser, site):
    """One sign-in per account (the sign-in limit), its cookies reused by each context."""
    states = {None: None}
    for username in filter(None, PEOPLE):
        context = browser.new_context()
        sign_in_page(context.new_page(), site, username)
        states[username] = context.storage_state()
        context.close()
    return states


def open_page(browser, site, sessions, who, width: int, scheme: str = "light"):
    context = browser.new_context(
        viewport={"width": width, "height": 800},
        color_scheme=scheme,
        storage_state=sessions[who],
    )
    page = context.new_page()
    page.goto(f"{site}/about")
    return context, page


def links_in_view(page) -> list[dict]:
    """Each header link: its name, whether it lies inside the viewport, and whether it is
    what a tap at its centre reaches (not hidden by a scrolling box or anything else)."""
    return page.eval_on_selector_all(
        LINKS,
        """els => els.map(e => {
            const r = e.getBoundingClientRect();
            const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
            return {
                name: (e.getAttribute('aria-label') || e.textContent).trim(),
                inside: r.left >= 0 && r.right <= window.innerWidth && r.top >= 0
                    && r.width > 0 && r.height > 0,
                reached: !!hit && (hit === e || e.contains(hit)),
            };
        })""",
    )


def nav_scrolls(page) -> bool:
    return page.eval_on_selector(".site-nav", "n => n.scrollWidth > n.clientWidth + 1")


@pytest.mark.parametrize("who", list(PEOPLE), ids=[u or "signed-out" for u in PEOPLE])
def test_one_line_at_1280(browser, site, sessions, who):
    context, page = open_page(browser, site, sessions, who, 1280)
    try:
        parts = page.eval_on_selector_all(
            ".header-row > *",
            "els => els.map(e => { const r = e.getBoundingClientRect();"
            " return {top: r.top, bottom: r.bottom, height: r.height}; })",
        )
        tallest = max(p["height"] for p in parts)
        assert max(p["bottom"] for p in parts) - min(p["top"] for p in parts) <= tallest
        height = page.locator(".site-header").bounding_box()["height"]
        assert height <= ONE_LINE_MAX, f"{who}: the header is {height:.0f} px tall at 1280"
        assert not nav_scrolls(page)
        links = links_in_view(page)
        assert all(link["inside"] and link["reached"] for link in links), links
        names = [link["name"] for link in links]
        for name in STAFF_LINKS.get(PEOPLE[who], []):
            assert name in names
    finally:
        context.close()


@pytest.mark.parametrize("who", list(PEOPLE), ids=[u or "signed-out" for u in PEOPLE])
def test_every_link_on_screen_on_a_phone(browser, site, sessions, who):
    context, page = open_page(browser, site, sessions, who, 390)
    try:
        links = links_in_view(page)
        missing = [link for link in links if not (link["inside"] and link["reached"])]
        assert not missing, f"{who}: off screen or covered at 390 px: {missing}"
        assert not nav_scrolls(page)
        assert page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
        names = [link["name"] for link in links]
        expected = ["Comparisons", "Tags", "Disagreements", "About"]
        expected += STAFF_LINKS.get(PEOPLE[who], [])
        assert names[: len(expected)] == expected
        height = page.locator(".site-header").bounding_box()["height"]
        limit = PHONE_MAX["staff" if PEOPLE[who] in STAFF_LINKS else "other"]
        assert height <= limit, f"{who}: the header is {height:.0f} px tall at 390"
    finally:
        context.close()


def test_a_staff_member_reaches_every_link_with_the_keyboard_on_a_phone(browser, site, sessions):
    context, page = open_page(browser, site, sessions, "ada", 390)
    try:
        reached = []
        for _ in range(20):
            page.keyboard.press("Tab")
            focused = page.evaluate(
                """() => {
                    const e = document.activeElement;
                    const r = e.getBoundingClientRect();
                    return {
                        inHeader: !!e.closest('.site-header'),
                        name: (e.getAttribute('aria-label') || e.textContent
                            || e.getAttribute('placeholder') || '').trim(),
                        inside: r.left >= 0 && r.right <= window.innerWidth,
                        outline: getComputedStyle(e).outlineStyle,
                    };
                }"""
            )
            if not focused["inHeader"] and reached:
                break
            if focused["inHeader"]:
                reached.append(focused)
        names = [f["name"] for f in reached]
        for name in ("Comparisons", "Tags", "Disagreements", "About", "Editor", "Moderation"):
            assert name in names, names
        assert names.index("Editor") < names.index("Moderation")
        assert all(f["inside"] for f in reached), reached
        links = [f for f in reached if f["name"] in ("Editor", "Moderation")]
        assert all(f["outline"] == "solid" for f in links), links
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_screenshots(browser, site, sessions, scheme):
    """For a person to look at; the page must at least show each header's links."""
    for who, name in ((None, "signed-out"), ("mira", "member"), ("ada", "staff")):
        for width in (1280, 390):
            context, page = open_page(browser, site, sessions, who, width, scheme)
            try:
                assert all(link["inside"] for link in links_in_view(page))
                screenshot(page, f"i13-header-{name}-{scheme}")
            finally:
                context.close()
