"""Never lose what someone typed (issue 13): a reply sent after the session expired is not
posted, but the "session expired" page shows the text (escaped, read-only, labelled, to
copy), and after signing in again the member is back on the thread with the text in the
same reply form (drafts.js, sessionStorage of this tab), ready to post. Once posted, the
draft is gone. A stale draft, or one for another form, is never put back."""

from __future__ import annotations

import re
import time
import uuid

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.helpers import register_page
from webapp.discussions import services
from webapp.extensions import db

from .conftest import shoot

pytestmark = pytest.mark.browser

PASSWORD = "copper-meadow-lantern"
TEXT = 'Both drain fine; a <b>fine</b> mesh & "double" handles\nmatter more.'
DRAFTS = "() => Object.keys(sessionStorage).filter(k => k.startsWith('crowdpick-draft:'))"


@pytest.fixture()
def thread(pg_site):
    """A thread of two posts on a comparison of its own: two reply forms and the main one,
    all with the same action."""
    with pg_site.app.app_context():
        comp = factories.comparison("Sieve", "Colander", title=f"Sieves {uuid.uuid4().hex[:6]}")
        author = factories.user(f"sieve-{uuid.uuid4().hex[:6]}", age_days=30)
        opening = services.do_open_general_thread(
            author, comp, "Which drains pasta best?", "Sieve or colander, for a big pot?"
        )
        second = services.do_post(author, opening.thread, "Asking for a kitchen of four.")
        ids = (opening.thread_id, opening.id, second.id)
        db.session.commit()
        db.session.remove()
    return ids


def test_a_reply_sent_after_the_session_expired_comes_back_after_signing_in(
    desktop, live_server, thread
):
    page = desktop
    thread_id, first, second = thread
    name = f"drafter-{uuid.uuid4().hex[:8]}"
    register_page(page, live_server, name, PASSWORD)
    page.goto(f"{live_server}/threads/{thread_id}")
    page.locator(f"#post-{second} .reply-box summary").click()
    box = page.locator(f"#reply-to-{second}")
    box.fill(TEXT)

    page.context.clear_cookies()  # the session is gone; the page still holds its token
    page.locator(f"#post-{second}").get_by_role("button", name="Post reply").click()

    expect(page.locator("h1")).to_have_text("Your session has expired")
    kept = page.get_by_role("textbox", name=re.compile("What you wrote"))
    expect(kept).to_have_value(TEXT)
    expect(kept).to_have_attribute("readonly", "")
    expect(page.locator(".kept-draft b")).to_have_count(0)  # shown as text, never as markup
    assert "csrf" not in page.locator("body").inner_text().lower()
    shoot(page, 4, "session-expired-text-kept")

    page.get_by_role("link", name="Sign in again").click()
    page.fill("#login", name)
    page.fill("#password", PASSWORD)
    page.locator(".form-page form").get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(f"{live_server}/threads/{thread_id}")
    box = page.locator(f"#reply-to-{second}")
    expect(box).to_be_visible()  # its reply box opened
    expect(box).to_have_value(TEXT)
    expect(box).to_be_focused()
    expect(page.locator(f"#post-{second} .draft-note")).to_contain_text("is back")
    # Only the form it was typed in: the other reply form and the main one stay empty.
    expect(page.locator(f"#reply-to-{first}")).to_have_value("")
    expect(page.locator("#reply textarea[name=body]")).to_have_value("")
    shoot(page, 4, "draft-back-in-the-form")

    page.locator(f"#post-{second}").get_by_role("button", name="Post reply").click()
    expect(page).to_have_url(re.compile(rf"/threads/{thread_id}#post-\d+$"))
    posted = page.locator(page.url.rsplit("#", 1)[1].join(["#", ""]))
    expect(posted.locator(".post-body")).to_contain_text('a <b>fine</b> mesh & "double" handles')
    expect(posted.locator(".author")).to_have_text(name)
    assert page.evaluate(DRAFTS) == []  # the draft went with the post

    page.reload()  # and is not offered again
    expect(page.locator(".draft-note")).to_have_count(0)
    expect(page.locator(f"#reply-to-{second}")).to_have_value("")


def test_a_stale_or_foreign_draft_is_never_put_back(desktop, live_server, thread):
    page = desktop
    thread_id, _first, second = thread
    register_page(page, live_server, f"drafter-{uuid.uuid4().hex[:8]}", PASSWORD)
    page.goto(f"{live_server}/threads/{thread_id}")
    day_ago = int(time.time() * 1000) - 25 * 3600 * 1000
    page.evaluate(
        """([thread, post, old]) => {
            const put = (key, at) => sessionStorage.setItem("crowdpick-draft:" + key,
                JSON.stringify({fields: {body: "not for this form"}, at: at}));
            put(`/threads/${thread}/posts|${post}`, old);       // a day old: stale
            put(`/threads/${thread + 100000}/posts|`, Date.now());  // another thread's
        }""",
        [thread_id, second, day_ago],
    )
    page.reload()
    expect(page.locator("h1")).to_have_text("Which drains pasta best?")
    expect(page.locator("textarea[name=body]").first).to_have_value("")
    for textarea in page.locator("textarea[name=body]").all():
        expect(textarea).to_have_value("")
    expect(page.locator(".draft-note")).to_have_count(0)
    # The stale one is dropped; the other thread's waits for its own form.
    assert page.evaluate(DRAFTS) == [f"crowdpick-draft:/threads/{thread_id + 100000}/posts|"]


def test_without_javascript_the_text_is_shown_and_sign_in_leads_back_to_the_page(browser, pg_site):
    """The page the form was on was a form's answer (a preview, at the POST-only
    /compare/<slug>/disagree): signing in again leads to the comparison, a page that
    opens; the text is on the page, to copy, without any script."""
    with pg_site.app.app_context():
        slug = factories.comparison("Sieve", "Colander", title=f"Sifts {uuid.uuid4().hex[:6]}").slug
        db.session.commit()
        db.session.remove()
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    try:
        page = context.new_page()
        register_page(page, pg_site.base, f"nojs-{uuid.uuid4().hex[:8]}", PASSWORD)
        page.goto(f"{pg_site.base}/compare/{slug}")
        page.fill("#disagree-body", TEXT)
        page.get_by_role("button", name="Preview").click()
        expect(page).to_have_url(f"{pg_site.base}/compare/{slug}/disagree")
        context.clear_cookies()
        page.get_by_role("button", name="Post my disagreement").click()
        expect(page.locator("h1")).to_have_text("Your session has expired")
        expect(page.get_by_role("textbox", name=re.compile("What you wrote"))).to_have_value(TEXT)
        expect(page.get_by_role("link", name="Sign in again")).to_have_attribute(
            "href", f"/login?next=/compare/{slug}"
        )
    finally:
        context.close()
