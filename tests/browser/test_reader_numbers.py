"""The comparison page's frame in headless Chromium: a one-line header at 1280 px and a
compact one on a phone, no autofocus that scrolls the page, the editors' verdict near the
top, and a claim's community weight that updates live after another member rates it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.helpers import sign_in_page
from tests.live import serve_in_thread
from webapp.catalog.services import get_published
from webapp.extensions import db

from .conftest import demo_app

pytestmark = pytest.mark.browser

SLUG = "python-vs-go"
PHONE_HEADER_MAX = 80  # px: the header used to take about 240 px at 390 px wide


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Demo content on SQLite (verdicts recomputed in-process); on Python vs Go a member,
    "against", voted against the editors' pick."""
    app = demo_app(tmp_path_factory, "reader")
    with app.app_context():
        from webapp.voting.services import cast_vote

        comp = get_published(SLUG)
        against = next(o for o in comp.options if o.id != comp.verdict.picked_option_id)
        member = factories.established("against")
        factories.established("rater")
        db.session.commit()
        cast_vote(member, comp, against.id)
        db.session.remove()
    with serve_in_thread(app) as base:
        yield app, base


def boxes(page, selector: str) -> list[dict]:
    return page.eval_on_selector_all(
        selector,
        "els => els.filter(e => e.offsetParent !== null)"
        ".map(e => { const r = e.getBoundingClientRect();"
        " return {top: r.top, bottom: r.bottom, height: r.height}; })",
    )


@pytest.mark.parametrize("signed_in", [False, True], ids=["signed-out", "signed-in"])
def test_the_header_is_one_line_at_1280_and_compact_on_a_phone(browser, site, signed_in):
    _, base = site
    for width, height in [(1280, 800), (390, 844)]:
        context = browser.new_context(viewport={"width": width, "height": height})
        try:
            page = context.new_page()
            if signed_in:
                sign_in_page(page, base, "against")
            page.goto(f"{base}/compare/{SLUG}")
            parts = boxes(page, ".header-row > *")
            assert len(parts) == 4  # brand, sections, search, account
            header = page.locator(".site-header").bounding_box()
            if width == 1280:
                tallest = max(p["height"] for p in parts)
                assert max(p["bottom"] for p in parts) - min(p["top"] for p in parts) <= tallest
                assert header["height"] <= 64
            else:
                assert header["height"] <= PHONE_HEADER_MAX
                # Nothing spills out sideways; every section link is still reachable.
                assert page.evaluate(
                    "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
                )
            expect(page.locator(".site-nav a[aria-current='page']")).to_have_count(0)
            page.goto(f"{base}/")
            expect(page.locator(".site-nav a[aria-current='page']")).to_have_text("Comparisons")
        finally:
            context.close()


def test_the_header_keeps_keyboard_access_and_visible_focus(desktop, site):
    _, base = site
    desktop.goto(f"{base}/compare/{SLUG}")
    desktop.keyboard.press("Tab")  # the skip link
    desktop.keyboard.press("Tab")
    assert desktop.evaluate("document.activeElement.className") == "brand"
    desktop.keyboard.press("Tab")
    focused = desktop.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [document.activeElement.textContent, s.outlineStyle, s.outlineWidth]; })()"
    )
    assert focused[0] == "Comparisons" and focused[1] == "solid" and focused[2] == "3px"


@pytest.mark.parametrize("member", [None, "against"], ids=["reader", "voted-against"])
def test_the_editors_verdict_starts_within_a_viewport_and_a_half(browser, site, member):
    _, base = site
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        if member:
            sign_in_page(page, base, member)
        page.goto(f"{base}/compare/{SLUG}")
        top = page.locator("#verdict-heading").evaluate(
            "e => e.getBoundingClientRect().top + window.scrollY"
        )
        assert top <= 1.5 * 800, f"the editors' verdict starts {top:.0f} px down"
    finally:
        context.close()


def test_no_autofocus_scrolls_the_page_of_a_member_who_voted_against(browser, site):
    _, base = site
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        sign_in_page(page, base, "against")  # voted against the editors' pick
        page.goto(f"{base}/compare/{SLUG}")
        page.wait_for_load_state("load")
        assert page.evaluate("document.querySelectorAll('[autofocus]').length") == 0
        assert page.evaluate("window.scrollY") == 0
        assert page.evaluate("document.activeElement === document.body")
    finally:
        context.close()


def test_a_claims_crowd_weight_updates_live_after_another_member_rates(desktop, site):
    app, base = site
    with app.app_context():
        comp = get_published(SLUG)
        claim = comp.options[0].pros[0]
        claim_id, comp_id = claim.id, comp.id
        db.session.remove()
    desktop.goto(f"{base}/compare/{SLUG}")
    desktop.evaluate("window.__sameDocument = true")
    weight = desktop.locator(f"[data-claim-weight='{claim_id}'] .weight-text")
    expect(weight).to_have_text("crowd: not rated yet")
    expect(weight).to_be_hidden()  # nothing rated yet: the card's invitation says so
    desktop.click("#community-card summary")  # a reader reading the details
    version = desktop.locator("#community-card time").get_attribute("datetime")

    with app.app_context():
        from webapp.accounts.services import user_by_username
        from webapp.verdicts.models import CommunityVerdict
        from webapp.voting.services import rate_claim

        rate_claim(user_by_username("rater"), get_published(SLUG), claim_id, 4)
        stored = db.session.get(CommunityVerdict, comp_id).claims[str(claim_id)]
        db.session.remove()
    assert stored["weight"] > 0
    expect(weight).to_have_text(
        re.compile(rf"crowd: {stored['community']:.1f}/4 · {stored['weight']:.1f} weighted")
    )
    expect(weight).to_be_visible()
    # The card was replaced by the new version, and the details the reader opened stay open.
    expect(desktop.locator("#community-card time")).not_to_have_attribute("datetime", version)
    expect(desktop.locator("#community-card details")).to_have_attribute("open", "")
    # The "why" section came in with it, and the page never reloaded.
    expect(desktop.locator("#why")).to_be_visible()
    expect(desktop.locator("#why")).to_contain_text("What moves the community score")
    assert desktop.evaluate("window.__sameDocument") is True


def rgb(value: str) -> tuple[float, float, float]:
    return tuple(float(v) for v in re.findall(r"[\d.]+", value)[:3])


def contrast(a: str, b: str) -> float:
    def luminance(color):
        channels = [c / 255 for c in rgb(color)]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def hue(color: str) -> float:
    import colorsys

    r, g, b = (c / 255 for c in rgb(color))
    return colorsys.rgb_to_hsv(r, g, b)[0] * 360


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_option_colours_are_never_the_editors_amber_and_buttons_are_legible(browser, site, scheme):
    _, base = site
    context = browser.new_context(viewport={"width": 1280, "height": 800}, color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(f"{base}/compare/{SLUG}")
        editors = page.eval_on_selector(".mini-badge", "e => getComputedStyle(e).color")
        fills = page.eval_on_selector_all(
            ".bar-fill", "els => els.map(e => getComputedStyle(e).fill)"
        )
        assert len(fills) == 2 and len(set(fills)) == 2
        assert 25 <= hue(editors) <= 50  # amber: the editors' colour
        for fill in fills:
            assert not 20 <= hue(fill) <= 60, f"option bar {fill} reads as the editors' amber"
        for selector in (".site-search button", ".account-nav .button-link"):
            colours = page.eval_on_selector(
                selector,
                "e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]",
            )
            assert contrast(*colours) >= 4.5, (selector, colours)
    finally:
        context.close()


def test_the_phone_search_opens_over_the_header_and_searches(browser, site):
    _, base = site
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.goto(f"{base}/compare/{SLUG}")
        field = page.locator("#site-q")
        folded = field.bounding_box()["width"]
        assert folded < 50  # a magnifier, leaving the row to the brand and the account
        field.focus()
        assert field.bounding_box()["width"] > 250  # open while in use
        page.keyboard.type("redis")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/\?q=redis$"))
        expect(page.locator("main")).to_contain_text("Redis vs Memcached")
    finally:
        context.close()
