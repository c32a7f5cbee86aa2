"""The badge and the "Embed this verdict" section in Chromium: looked at (screenshots
test-artifacts/i15-badge-*.png and i15-embed-*.png at 1280 and 390 px, light and dark),
text inside its segment in the SVG as drawn, the section opened and copied from with
the keyboard, and usable without JavaScript."""

from __future__ import annotations

import pytest

from tests import factories
from tests.browser.conftest import ARTIFACTS, SCHEMES, WIDTHS
from tests.browser.test_axe import FAILING, axe_script  # noqa: F401  (the pinned axe-core)
from tests.conftest import make_app
from tests.feeds import scene
from tests.live import serve_in_thread
from webapp.extensions import db

STATES = {  # (Kettle votes, Stove votes); the editors pick Kettle
    "no-votes": (0, 0),
    "not-enough": (3, 0),
    "agree": (12, 0),
    "disagree": (2, 10),
    "too-close": (6, 6),
}
LONG = "Extraordinarily Long Option Name Nobody Could Fit"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("feeds-browser")
    app = make_app(tmp, f"sqlite:///{tmp / 'site.sqlite3'}")
    slugs = {}
    with app.app_context():
        for name, (kettle, stove) in STATES.items():
            comp = factories.comparison("Kettle", "Stove", title=f"Kettle vs Stove ({name})")
            scene.vote(scene.crowd(kettle), comp, comp.options[0])
            scene.vote(scene.crowd(stove), comp, comp.options[1])
            slugs[name] = comp.slug
        comp = factories.comparison(LONG, "Stove <b>&amp;</b>", title="Long & hostile names")
        db.session.commit()
        slugs["long"] = comp.slug
        db.session.remove()
    with serve_in_thread(app) as base:
        yield base, slugs
    with app.app_context():
        db.engine.dispose()


def test_badges_look_right_and_keep_their_text_inside(browser, site):
    base, slugs = site
    context = browser.new_context(viewport={"width": 1280, "height": 600})
    page = context.new_page()
    try:
        for name, slug in slugs.items():
            page.goto(f"{base}/compare/{slug}/badge.svg")
            # Each text as Chromium lays it out lies inside its own coloured segment.
            boxes = page.evaluate(
                """() => {
                  const rects = [...document.querySelectorAll('g[clip-path] rect')].slice(0, 2);
                  const texts = [...document.querySelectorAll('text:not([fill-opacity])')];
                  return texts.map((t, i) => {
                    const b = t.getBBox(), r = rects[i];
                    return [b.x, b.x + b.width, r.x.baseVal.value,
                            r.x.baseVal.value + r.width.baseVal.value];
                  });
                }"""
            )
            assert len(boxes) == 2, name
            for left, right, start, end in boxes:
                assert start <= left + 0.5 and right - 0.5 <= end, (name, boxes)
        images = "".join(
            f'<p>{name}<br><img src="{base}/compare/{slug}/badge.svg" alt=""></p>'
            for name, slug in slugs.items()
        )
        # A page of all the badges as another site would show them (served by the test).
        sheet = (
            "<!doctype html><meta name=color-scheme content='light dark'>"
            "<style>body{font-family:sans-serif;padding:12px}"
            "@media (prefers-color-scheme: dark){body{background:#14161a;color:#e8e9ec}}"
            "</style><body>" + images
        )
        page.route(
            f"{base}/test-badges", lambda route: route.fulfill(body=sheet, content_type="text/html")
        )
        for scheme in SCHEMES:
            page.emulate_media(color_scheme=scheme)
            page.goto(f"{base}/test-badges")
            page.wait_for_function(
                "() => [...document.images].every(i => i.complete && i.naturalWidth > 0)"
            )
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 600})
                ARTIFACTS.mkdir(exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / f"i15-badge-{width}-{scheme}.png"))
    finally:
        context.close()


def test_the_embed_section_by_keyboard_and_copy(browser, site, axe_script):  # noqa: F811  (axe_script)
    from playwright.sync_api import expect

    base, slugs = site
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        permissions=["clipboard-read", "clipboard-write"],
        bypass_csp=True,  # for the injected axe-core only
    )
    page = context.new_page()
    try:
        page.goto(f"{base}/compare/{slugs['disagree']}")
        page.add_script_tag(path=str(axe_script))
        summary = page.locator("details.embed > summary")
        summary.focus()
        page.keyboard.press("Enter")
        expect(page.locator("details.embed")).to_have_attribute("open", "")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "embed-badge-html"
        page.keyboard.press("Tab")
        copy = page.locator("button[data-copy='embed-badge-html']")
        expect(copy).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.locator(".embed-status")).to_have_text("Copied.")
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied == page.locator("#embed-badge-html").input_value()
        assert copied.startswith('<a href="http') and "badge.svg" in copied
        section = page.locator("details.embed")
        for scheme in SCHEMES:
            page.emulate_media(color_scheme=scheme)
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                section.scroll_into_view_if_needed()
                # Nothing in the section is wider than the page.
                assert (
                    page.evaluate("document.querySelector('details.embed').scrollWidth")
                    <= page.evaluate("document.querySelector('details.embed').clientWidth") + 1
                )
                section.screenshot(path=str(ARTIFACTS / f"i15-embed-{width}-{scheme}.png"))
                found = page.evaluate(
                    """async () => {
                      const r = await axe.run('details.embed', {resultTypes: ['violations']});
                      return r.violations.map(v => [v.id, v.impact, v.nodes.length]);
                    }"""
                )
                assert not [v for v in found if v[1] in FAILING], (width, scheme, found)
    finally:
        context.close()


def test_without_javascript_the_snippets_are_there_to_select(browser, site):
    from playwright.sync_api import expect

    base, slugs = site
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{base}/compare/{slugs['agree']}")
        page.locator("details.embed > summary").click()
        field = page.locator("#embed-badge-md")
        expect(field).to_be_visible()
        expect(field).to_have_attribute("readonly", "")
        assert field.input_value().startswith("[![Crowdpick")
        expect(page.locator("button[data-copy]").first).to_be_hidden()
    finally:
        context.close()
