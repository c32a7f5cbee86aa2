"""axe-core over every kind of page, at 1280 and 390 px, in light and dark: no serious or
critical violation anywhere. The pinned axe-core comes from the npm registry (`make axe`,
a prerequisite of `make test`); minor and moderate findings are printed, not failed."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests import factories
from tests.conftest import ROOT, missing_service
from tests.helpers import sign_in_page
from tests.integrity import seeding
from webapp.accounts.models import User
from webapp.catalog.models import Tag
from webapp.discussions import moderation
from webapp.discussions.models import Post, Thread
from webapp.extensions import db
from webapp.voting.services import cast_vote

from .conftest import ADMIN, ARTIFACTS, VOTER, WORKER_MS

pytestmark = pytest.mark.browser

FAILING = {"serious", "critical"}


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """AXE_CORE_JS, or the file `make axe` extracts for the version the Makefile pins."""
    if os.environ.get("AXE_CORE_JS"):
        path = Path(os.environ["AXE_CORE_JS"])
    else:
        pinned = re.search(r"^AXE_VERSION := (\S+)$", (ROOT / "Makefile").read_text(), re.M)
        path = ROOT / "build" / "axe" / f"axe-{pinned.group(1)}.min.js"
    if not path.is_file():
        missing_service(f"axe-core not found at {path} (make axe fetches it)")
    return path


@pytest.fixture(scope="module")
def site(pg_site):
    """The session's site (demo comparisons and demo month, on PostgreSQL with the worker)
    with a vote of the member, a flagged post and a held episode, so that each moderation
    queue has something in it. The episode is the worker's: its recompute holds the burst."""
    with pg_site.app.app_context():
        voter = db.session.scalar(sa.select(User).where(User.username == VOTER))
        thread = db.session.scalars(sa.select(Thread).order_by(Thread.id)).first()
        comparison = thread.comparison
        cast_vote(voter, comparison, comparison.options[-1].id)
        post = db.session.scalars(sa.select(Post).where(Post.author_id.is_not(None))).first()
        moderation.do_flag(voter, post, "off-topic", "Not about the comparison.")
        held = factories.comparison("Kettle", "Stove", pick=0, age_days=30)
        seeding.settle(held, held.options[0], 10)
        seeding.burst(held, held.options[1], 6)
        ids = {"slug": comparison.slug, "comparison": comparison.id, "thread": thread.id}
        ids["tag"] = db.session.scalars(sa.select(Tag.slug).where(Tag.options.any())).first()
        held_id = held.id
        db.session.commit()
        ids["episode"] = pg_site.wait_until(
            lambda: (episode := seeding.episode_of(held_id)) and episode.id,
            WORKER_MS / 1000,
            "the worker to hold the burst",
        )
        db.session.remove()
    return pg_site.base, ids


def wrong_password(page) -> None:
    page.fill("#login", VOTER)
    page.fill("#password", "Not-the-password-1234")
    page.locator(".form-page form").get_by_role("button", name="Sign in").click()
    expect(page.locator(".form-error")).to_be_visible()


def passwords_differ(page) -> None:
    page.fill("#username", "axe-newcomer")
    page.fill("#email", "axe-newcomer@example.com")
    page.fill("#password", "Lantern-Orchid-7342-quay")
    page.fill("#confirm", "Lantern-Orchid-7342-quaz")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".field.has-error")).to_be_visible()


def pages_to_scan(ids: dict) -> list[tuple]:
    """(who, path, then): who None is signed out; then, when given, brings the page to
    the state to scan (a form refused, with its messages)."""
    return [
        (None, "/"),
        (VOTER, "/"),
        (None, f"/compare/{ids['slug']}"),
        (VOTER, f"/compare/{ids['slug']}"),
        (None, "/tags"),
        (None, f"/tags/{ids['tag']}"),
        (None, "/disagreements"),
        (None, f"/threads/{ids['thread']}"),
        (VOTER, f"/threads/{ids['thread']}"),
        (None, "/about"),
        (None, "/how-scores-work"),
        (None, "/login"),
        (None, "/login", wrong_password),
        (None, "/register"),
        (None, "/register", passwords_differ),
        (None, f"/u/{VOTER}"),
        (VOTER, "/inbox"),
        (None, "/log"),
        (ADMIN, "/editor/"),
        (ADMIN, f"/editor/{ids['comparison']}/edit"),
        (ADMIN, "/editor/new"),
        (ADMIN, f"/editor/{ids['comparison']}/history"),
        (ADMIN, "/moderation/flags"),
        (ADMIN, "/moderation/holds"),
        (ADMIN, f"/moderation/holds/{ids['episode']}"),
        (ADMIN, "/admin/members"),
        (None, "/compare/no-such-comparison"),
    ]


@pytest.fixture(scope="module")
def signed_in(browser, site):
    """One sign-in per account, its cookies reused by every context (the sign-in limit)."""
    base, _ = site
    states = {}
    for username in (VOTER, ADMIN):
        context = browser.new_context()
        sign_in_page(context.new_page(), base, username)
        states[username] = context.storage_state()
        context.close()
    return states


def scan(page, script: Path) -> list[dict]:
    page.add_script_tag(path=str(script))
    return page.evaluate(
        """async () => {
            // What sits behind "Details" and the like is checked too: axe skips hidden nodes.
            document.querySelectorAll('details').forEach(d => { d.open = true; });
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.slice(0, 5).map(n => n.target.join(' ')),
                count: v.nodes.length,
            }));
        }"""
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [1280, 390])
def test_no_serious_or_critical_axe_violations(axe_script, browser, site, signed_in, width, scheme):
    base, ids = site
    contexts, failures = {}, []
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        for who, path, *then in pages_to_scan(ids):
            if who not in contexts:
                contexts[who] = browser.new_context(
                    viewport={"width": width, "height": 900},
                    color_scheme=scheme,
                    # The site's CSP (script-src 'self') would block the injected axe.
                    bypass_csp=True,
                    storage_state=signed_in.get(who),
                )
            page = contexts[who].pages[0] if contexts[who].pages else contexts[who].new_page()
            response = page.goto(base + path)
            expected = 404 if "no-such" in path else 200
            assert response.status == expected, f"{path} as {who}: {response.status}"
            for step in then:
                step(page)
                path += f" after {step.__name__}"
            # Every kind of page, for a person to look at (issue 13, item 6).
            what = (
                re.sub(r"\W+", "-", f"{who or 'visitor'} {'home' if path == '/' else path}")
                .strip("-")
                .lower()
            )
            page.screenshot(
                path=str(ARTIFACTS / f"i13-6-{what}-{width}-{scheme}.png"), full_page=True
            )
            for v in scan(page, axe_script):
                line = f"{path} ({who or 'signed out'}): {v['id']} [{v['impact']}] x{v['count']}"
                line += f" {v['help']}: {', '.join(v['targets'])}"
                print(line)
                if v["impact"] in FAILING:
                    failures.append(line)
    finally:
        for context in contexts.values():
            context.close()
    assert not failures, f"{width}px {scheme}:\n" + "\n".join(failures)
