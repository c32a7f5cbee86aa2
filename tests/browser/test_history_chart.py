"""The verdict history chart in headless Chromium: readable on a 390 px phone (no chart
text under 11 CSS px, no labels on top of each other), and every marker reachable from
the keyboard, with its details shown on focus (and as <title> without JavaScript)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests import factories
from tests.conftest import make_app
from tests.live import serve_in_thread
from webapp.catalog import revisions
from webapp.discussions.services import open_disagreement_thread
from webapp.editor import content
from webapp.extensions import db
from webapp.verdicts.models import CommunityVerdict, VerdictHistory

from .conftest import ARTIFACTS

pytestmark = pytest.mark.browser


def shot(page, name: str) -> None:
    """The history section, saved in test-artifacts/ for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    width = page.viewport_size["width"]
    page.locator("section.history").screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"))


VERSIONS = 300

SMALLEST_TEXT = """() => {
  const svg = document.querySelector('.history-chart');
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  const shown = [...svg.querySelectorAll('text')]
    .filter(t => getComputedStyle(t).display !== 'none');
  return Math.min(...shown.map(t => parseFloat(getComputedStyle(t).fontSize) * scale));
}"""
FOCUS_BEFORE_CHART = """() => {
  const svg = document.querySelector('.history-chart');
  const before = [...document.querySelectorAll('a[href], button, input, select, textarea, summary')]
    .filter(e => e.checkVisibility() && !e.disabled
      && (e.compareDocumentPosition(svg) & Node.DOCUMENT_POSITION_FOLLOWING));
  before[before.length - 1].focus();
}"""
OVERLAPS = """() => {
  const boxes = [...document.querySelectorAll('.history-chart text')]
    .filter(t => getComputedStyle(t).display !== 'none')
    .map(t => t.getBoundingClientRect());
  let n = 0;
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i], b = boxes[j];
    if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) n++;
  }
  return [n, boxes.length];
}"""


@pytest.fixture(scope="module")
def story_site(tmp_path_factory):
    """One comparison with a long history: VERSIONS versions over 20 days, a disagreement
    opened on day 8 and the editors switching their pick in the editor (now)."""
    tmp = tmp_path_factory.mktemp("story")
    app = make_app(tmp, f"sqlite:///{tmp / 'site.sqlite3'}")
    with app.app_context():
        comp = factories.comparison("Kettle", "Stove", "Induction hob", pick=0)
        editor = factories.established("chart_editor", role="editor")
        start = datetime.now(UTC) - timedelta(days=20)
        ids = [o.id for o in comp.options]
        for v in range(1, VERSIONS + 1):
            stove = min(0.25 + 0.5 * v / VERSIONS + 0.03 * ((v * 7) % 5 - 2) / 2, 0.9)
            shares = [0.75 - stove, stove, 0.25]
            best = max(range(3), key=lambda i: shares[i])
            db.session.add(
                VerdictHistory(
                    comparison_id=comp.id,
                    version=v,
                    computed_at=start + timedelta(minutes=96 * v),
                    state="leaning" if v > 10 else "not_enough_votes",
                    pick_option_id=ids[best] if v > 10 else None,
                    confidence=0.7,
                    weighted_votes=float(v // 3),
                    options=[{"option": i, "score": s} for i, s in zip(ids, shares, strict=True)],
                )
            )
        db.session.add(CommunityVerdict(comparison_id=comp.id, version=VERSIONS, state="leaning"))
        db.session.flush()
        thread = open_disagreement_thread(comp, None, summary="The stove wins for members.")
        thread.created_at = start + timedelta(days=8)
        data = revisions.snapshot(comp)
        data["pick"], data["bottom_line"] = ids[1], "Stove wins now."
        content.do_save(
            editor,
            comp,
            data,
            revisions.latest_number(comp.id),
            revisions.digest(revisions.snapshot(comp)),
            "The members were right",
        )
        slug = comp.slug
        db.session.remove()
    with serve_in_thread(app) as base:
        yield f"{base}/compare/{slug}"


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [390, 1280])
def test_the_chart_is_readable_and_its_labels_apart(browser, story_site, width, scheme):
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(story_site)
        page.locator(".history-chart").scroll_into_view_if_needed()
        smallest = page.evaluate(SMALLEST_TEXT)
        print(f"FIGURE: smallest chart text at {width} px: {smallest:.1f} CSS px")
        assert smallest >= 11
        overlaps, labels = page.evaluate(OVERLAPS)
        assert labels >= 6 and overlaps == 0
        assert page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
        assert page.locator(".history-chart .mk").count() >= 4  # named, flip, disagreement, switch
        shot(page, f"history-chart-{scheme}")
    finally:
        context.close()


def test_markers_take_the_keyboard_and_say_what_happened(browser, story_site):
    context = browser.new_context(viewport={"width": 390, "height": 900})
    try:
        page = context.new_page()
        page.goto(story_site)
        page.evaluate(FOCUS_BEFORE_CHART)
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.outerHTML.slice(0, 120)")
        assert focused.startswith(("<rect", "<use")), focused
        # One tab stop for the chart; arrow keys walk it, in time order, to each marker.
        assert page.locator(".history-chart [tabindex='0']").count() == 1
        tip = page.locator(".hc-tip")
        seen = set()
        for _ in range(page.locator(".history-chart [tabindex]").count()):
            kind = page.evaluate("document.activeElement.getAttribute('class')")
            label = page.evaluate("document.activeElement.getAttribute('aria-label')")
            assert tip.is_visible() and tip.text_content() == label and " 20" in label
            if kind.startswith("mk "):
                seen.add(kind.split("m-")[1])
            page.keyboard.press("ArrowRight")
        assert {"named", "flip", "disagreement", "switch"} <= seen
        page.keyboard.press("Home")
        assert page.evaluate("document.activeElement.getAttribute('tabindex')") == "0"
        shot(page, "history-chart-focus")
    finally:
        context.close()


def test_without_javascript_every_marker_is_a_tab_stop_with_a_title(browser, story_site):
    context = browser.new_context(viewport={"width": 390, "height": 900}, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(story_site)
        markers = page.locator(".history-chart .mk")
        assert markers.count() >= 4
        page.evaluate(FOCUS_BEFORE_CHART)
        reached = []
        for _ in range(page.locator(".history-chart [tabindex='0']").count()):
            page.keyboard.press("Tab")
            reached.append(page.evaluate("document.activeElement.getAttribute('class') || ''"))
        assert (
            reached.count("pt") >= 5
            and len([r for r in reached if r.startswith("mk ")]) == markers.count()
        )
        title = markers.first.locator("title").text_content()
        assert "UTC" in title and ": " in title
    finally:
        context.close()
