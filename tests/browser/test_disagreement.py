"""In Chromium: a member votes against the editorial pick, is invited to say why, and posts
into the disagreement thread. Then the XSS corpus of tests/discussions/test_xss.py, stored
as posts and opened in the browser with tripwires: nothing may run."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.discussions.test_xss import XSS_CASES
from tests.helpers import register_page, sign_in_page
from tests.live import serve_in_process
from webapp.discussions import services
from webapp.extensions import db

from .conftest import MODERATOR, screenshot, shoot

pytestmark = pytest.mark.browser

PASSWORD = "copper-meadow-lantern"


def register(page, base: str) -> str:
    username = f"dissent-{uuid.uuid4().hex[:8]}"
    register_page(page, base, username, PASSWORD)
    return username


# The one demo comparison the demo month leaves alone: no thread, no votes.
QUIET = "/compare/github-actions-vs-gitlab-ci-cd"


def test_vote_against_the_pick_then_say_why(page, live_server):
    username = register(page, live_server)

    page.goto(live_server + QUIET)
    expect(page.locator(".pick-card .pick-name")).to_have_text("GitHub Actions")
    invitation = page.locator(".invitation")
    expect(invitation).to_have_count(0)

    gitlab = page.locator(".vote-form input[name=option][data-name='GitLab CI/CD']")
    gitlab.check()
    expect(page.locator("#your-pick .live-status")).to_have_text(
        "Your vote for GitLab CI/CD is saved."
    )

    # The invitation is rendered by the server from the stored vote: reload to see it.
    page.reload()
    expect(gitlab).to_be_checked()
    expect(invitation).to_have_count(1)
    expect(invitation).to_contain_text("You picked GitLab CI/CD")
    expect(invitation).to_contain_text("the editors picked GitHub Actions")

    text = f"Our code lives on GitLab, so {username} keeps CI there: {uuid.uuid4().hex[:6]}"
    page.fill("#disagree-body", text)
    page.get_by_role("button", name="Post my disagreement").click()

    expect(page).to_have_url(re.compile(r"/threads/\d+#post-\d+$"))
    post_id = page.url.rsplit("#", 1)[1]
    expect(page.locator(".flash")).to_contain_text("Thanks: your disagreement is posted.")
    # One member's challenge, while the community has not voted against the editors.
    expect(page.locator("h1")).to_have_text("Members question the pick")
    post = page.locator(f"#{post_id}")
    expect(post.locator(".post-body")).to_have_text(text)
    expect(post.locator(".author")).to_have_text(username)
    screenshot(page, "disagreement-thread")
    if page.viewport_name == "desktop":
        shoot(page, 5, "members-question-the-pick")

    # And the comparison page now links to the open thread and shows the post as activity.
    page.goto(live_server + QUIET)
    expect(
        page.locator(".disagree-box a", has_text="Read the open disagreement thread")
    ).to_be_visible()
    expect(page.locator(".activity")).to_contain_text(text)


def test_preview_then_post_without_losing_the_text(desktop, live_server):
    """The "Preview" button is a plain submit: the rendered post shows above the textarea,
    the text stays in it, nothing is posted until "Post my disagreement"."""
    page = desktop
    register(page, live_server)
    page.goto(live_server + "/compare/neovim-vs-vs-code")
    text = "Modal editing is **faster**; see https://neovim.io/doc and <b>this</b>."
    page.fill("#disagree-body", text)
    page.get_by_role("button", name="Preview").click()

    preview = page.locator(".post-preview .post-body")
    expect(preview.locator("strong")).to_have_text("faster")
    link = preview.locator("a")
    expect(link).to_have_attribute("href", "https://neovim.io/doc")
    expect(link).to_have_attribute("rel", "nofollow ugc noopener noreferrer")
    expect(preview).to_contain_text("<b>this</b>")  # shown as text, never as markup
    expect(page.locator("#disagree-body")).to_have_value(text)
    expect(page.locator("#disagree-body")).to_be_focused()

    page.get_by_role("button", name="Post my disagreement").click()
    expect(page).to_have_url(re.compile(r"/threads/\d+#post-\d+$"))
    post = page.locator(page.url.rsplit("#", 1)[1].join(["#", ""]))
    expect(post.locator(".post-body a")).to_have_attribute("href", "https://neovim.io/doc")
    expect(post.locator(".stance")).to_have_text("has not voted")


def test_with_javascript_the_preview_comes_without_a_page_load(desktop, live_server):
    page = desktop
    register(page, live_server)
    page.goto(live_server + "/compare/pour-over-vs-french-press-vs-aeropress")
    page.fill("#disagree-body", "The AeroPress travels.")
    page.get_by_role("button", name="Post my disagreement").click()
    expect(page).to_have_url(re.compile(r"/threads/\d+#post-\d+$"))
    thread_url = page.url.split("#", 1)[0]

    reply = page.locator("#reply")
    page.evaluate("window.__samePage = true")
    reply.locator("textarea").fill("French press: **no paper** at https://example.org/press")
    reply.get_by_role("button", name="Preview").click()
    shown = reply.locator(".post-preview .post-body")
    expect(shown.locator("strong")).to_have_text("no paper")
    expect(shown.locator("a")).to_have_attribute("href", "https://example.org/press")
    assert page.evaluate("window.__samePage") is True  # no navigation happened
    expect(reply.locator("textarea")).to_have_value(
        "French press: **no paper** at https://example.org/press"
    )
    # A refusal falls back to the plain submit: the message by the field.
    reply.locator("textarea").fill("")
    reply.get_by_role("button", name="Preview").click()
    expect(page.locator("#reply-body-error")).to_have_text(
        "Write something first: the post is empty."
    )
    assert page.url == thread_url + "/posts"  # the plain form post, answered in place


def test_what_maxlength_lets_through_the_server_takes(desktop, live_server):
    """Chromium counts a newline as 1 (it sends CRLF) and an emoji as 2 UTF-16 units; the
    server counts the same way, so a post typed up to the limit is posted, and the
    browser stops the next character."""
    page = desktop
    register(page, live_server)
    page.goto(live_server + "/compare/carry-on-only-vs-checked-bag")
    box = page.locator("#disagree-body")
    limit = int(box.get_attribute("maxlength"))
    box.fill("a" * (limit - 6))
    box.press("End")
    page.keyboard.type("😀")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.keyboard.type("bc")
    assert box.evaluate("el => el.value.length") == limit
    page.keyboard.type("d😀")  # at the limit: the browser takes no more
    assert box.evaluate("el => el.value.length") == limit
    assert box.evaluate("el => el.value.endsWith('😀\\n\\nbc')")

    page.get_by_role("button", name="Post my disagreement").click()
    expect(page).to_have_url(re.compile(r"/threads/\d+#post-\d+$"))
    post = page.locator(page.url.rsplit("#", 1)[1].join(["#", ""]))
    expect(post.locator(".post-body")).to_contain_text("bc")


def threads_of(pg_site, slug: str) -> list[tuple[int, str]]:
    return pg_site.pg.execute(
        "SELECT t.id, t.status FROM threads t JOIN comparisons c ON c.id = t.comparison_id"
        " WHERE c.slug = %s ORDER BY t.id",
        (slug,),
    ).fetchall()


def test_a_locked_disagreement_takes_no_second_thread_and_unlocks(browser, pg_site):
    """Issue 13: with the disagreement thread locked, "Disagree with our pick?" opens no
    second thread (a page opened before the lock is refused in place, the text kept, and a
    fresh page offers no form); unlocking works, and the next disagreement goes into the
    same thread."""
    base = pg_site.base
    with pg_site.app.app_context():
        comp = factories.comparison(
            "Sieve", "Colander", title=f"Sieve vs Colander {uuid.uuid4().hex[:6]}"
        )
        opener = factories.user(f"opener-{uuid.uuid4().hex[:6]}", age_days=30)
        first = services.do_disagree(opener, comp, "The colander drains pasta faster.")
        slug, thread_id = comp.slug, first.thread_id
        db.session.commit()
        db.session.remove()
    mod_ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    member_ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        mod, member = mod_ctx.new_page(), member_ctx.new_page()
        sign_in_page(mod, base, MODERATOR)
        register(member, base)
        member.goto(f"{base}/compare/{slug}")
        text = f"A sieve also sifts flour: {uuid.uuid4().hex[:6]}"
        member.fill("#disagree-body", text)  # typed before the lock, sent after it

        mod.goto(f"{base}/threads/{thread_id}")
        lock = mod.locator(".mod-tools form", has=mod.get_by_role("button", name="Lock thread"))
        lock.locator("input[name=reason]").fill("Cooling off for a day.")
        lock.get_by_role("button", name="Lock thread").click()
        expect(mod.locator(".flash")).to_have_text("Thread locked.")

        member.get_by_role("button", name="Post my disagreement").click()
        expect(member.locator("#disagree-body-error")).to_contain_text("locked")
        expect(member.locator("#disagree-body")).to_have_value(text)
        assert threads_of(pg_site, slug) == [(thread_id, "locked")]
        shoot(member, 5, "locked-disagreement-refused")

        member.goto(f"{base}/compare/{slug}")
        box = member.locator(".disagree-box")
        expect(box.locator(".notice")).to_contain_text("A moderator has locked the discussion")
        expect(box.locator("form")).to_have_count(0)
        expect(
            box.get_by_role("link", name=re.compile("Read the locked disagreement"))
        ).to_be_visible()

        unlock = mod.locator(".mod-tools form", has=mod.get_by_role("button", name="Unlock thread"))
        unlock.locator("input[name=reason]").fill("Calm again.")
        unlock.get_by_role("button", name="Unlock thread").click()
        expect(mod.locator(".flash")).to_have_text("Thread unlocked.")
        expect(mod.get_by_role("button", name="Lock thread")).to_be_visible()
        shoot(mod, 5, "unlocked-thread")

        member.reload()
        member.fill("#disagree-body", text)
        member.get_by_role("button", name="Post my disagreement").click()
        expect(member).to_have_url(re.compile(rf"/threads/{thread_id}#post-\d+$"))
        expect(member.locator(member.url.rsplit("#", 1)[1].join(["#", ""]))).to_contain_text(text)
        assert threads_of(pg_site, slug) == [(thread_id, "open")]
    finally:
        mod_ctx.close()
        member_ctx.close()


# --- the XSS corpus in a real browser ------------------------------------------------


@pytest.fixture(scope="module")
def xss_site(pg_site):
    """On the session's database: one thread holding every case of the corpus, and a
    general thread with a hostile title; served by a second web process (same database,
    Redis and worker) that shows the whole thread on one page."""
    with pg_site.app.app_context():
        author = factories.user(f"xss-author-{uuid.uuid4().hex[:6]}", age_days=30)
        comparison = factories.comparison("Sieve", "Colander", title="Sieve vs Colander (XSS)")
        (_, first), *rest = XSS_CASES
        posts = [services.do_disagree(author, comparison, first)]
        thread = posts[0].thread
        posts += [services.do_post(author, thread, body) for _, body in rest]
        breakout = posts[[name for name, _ in XSS_CASES].index("textarea-breakout")].id
        general = services.do_open_general_thread(
            author, comparison, '"><img src=x onerror="window.__xss=1"><script>x</script>', "hi"
        )
        urls = {
            "thread": f"/threads/{thread.id}",
            "quote": f"/threads/{thread.id}?quote={breakout}",
            "edit": f"/posts/{breakout}/edit",
            "comparison": f"/compare/{comparison.slug}",
            "hostile-title": f"/threads/{general.thread_id}",
        }
        name = author.username
        db.session.commit()
        db.session.remove()
    env = pg_site.process_env(CROWDPICK_POSTS_PER_PAGE="200")
    with serve_in_process(env, pg_site.tmp / "web-xss.log", timeout=60) as base:
        yield base, urls, name


# Recorded before any page script runs: a CSP violation means something hostile reached
# the DOM and only the policy stopped it (the sanitiser failed).
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
});
"""

INSPECT = """() => {
  const bad = [];
  for (const el of document.querySelectorAll("*")) {
    for (const attr of el.attributes) {
      if (attr.name.toLowerCase().startsWith("on")) bad.push(el.tagName + " " + attr.name);
    }
  }
  const hostile = document.querySelectorAll(
    ".post-body script, .post-body img, .post-body svg, .post-body iframe, .post-body style,"
    + " .post-body object, .post-body embed, .post-body math, .post-body [style]").length;
  const protocols = [...document.querySelectorAll(".post-body a[href]")].map(a => a.protocol);
  // The site's own files only: nothing inline, nothing from elsewhere.
  const scripts = [...document.scripts].filter(
    s => !(s.src && new URL(s.src).origin === location.origin
           && new URL(s.src).pathname.startsWith("/static/"))
  ).map(s => s.src || s.textContent.slice(0, 80));
  return {
    xss: typeof window.__xss,
    csp: window.__cspViolations,
    eventAttributes: bad,
    hostile: hostile,
    protocols: [...new Set(protocols)].sort(),
    scripts: scripts,
    bodies: document.querySelectorAll(".post-body").length,
  };
}"""


@pytest.fixture()
def xss_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.dialogs = []

    def record(dialog):
        page.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", record)
    try:
        yield page
    finally:
        context.close()


def test_tripwires_fire_on_an_unprotected_page(xss_page):
    """The detectors work: the same payloads, raw on a page with no sanitiser and no CSP."""
    xss_page.set_content('<img src=x onerror="window.__xss=1"><img src=y onerror="alert(1)">')
    xss_page.wait_for_function("window.__xss === 1", timeout=5000)
    xss_page.wait_for_timeout(300)
    assert xss_page.dialogs == ["alert: 1"]


def test_the_corpus_runs_nothing_in_chromium(xss_page, xss_site):
    base, urls, author = xss_site
    page = xss_page
    page.add_init_script(WATCH_CSP)
    sign_in_page(page, base, author)

    seen = {}
    for name, url in urls.items():
        page.goto(base + url)
        page.wait_for_load_state("load")
        for link in page.locator(".post-body a").all():  # hover handlers would fire now
            link.hover()
        page.wait_for_timeout(300)
        seen[name] = page.evaluate(INSPECT)
        if name in ("quote", "edit"):
            # The raw text is the textarea's value: it did not break out of the element.
            expect(page.locator("textarea[name=body]").last).to_have_value(
                re.compile(r"</textarea><script>window.__xss=1</script>")
            )

    assert page.dialogs == []
    assert {name: s["xss"] for name, s in seen.items()} == dict.fromkeys(urls, "undefined")
    clean = {
        "csp": [],
        "eventAttributes": [],
        "hostile": 0,
        "scripts": [],
    }
    assert {name: {k: s[k] for k in clean} for name, s in seen.items()} == dict.fromkeys(
        urls, clean
    )
    for name, s in seen.items():
        assert set(s["protocols"]) <= {"http:", "https:", "mailto:"}, name
    assert seen["thread"]["bodies"] == len(XSS_CASES)
    assert seen["thread"]["protocols"], "the safe links of the corpus should render"
