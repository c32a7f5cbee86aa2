"""The sanitiser alone (markup.sanitise, the nh3 step), fed raw HTML the markdown renderer
would never produce: with raw HTML off, markdown-it escapes most of this corpus before nh3
sees it, so tests through render_markdown cannot tell a widened allow-list or a let-through
``javascript:`` from a sound one. Here nothing stands in front of the allow-list.

Every output is parsed and checked against the allow-list written out again below (not
imported: widening markup.TAGS must fail here, not move the goalposts with it)."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest

from webapp.discussions.markup import count_links, render_markdown, sanitise

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a",
    "h3", "h4", "h5", "h6", "hr",
}  # fmt: skip
# nh3 keeps "lang" and "title" on any element; links add href (and the forced rel).
GENERIC = {"lang", "title"}
ALLOWED_ATTRIBUTES = {"a": {"href", "rel"}}
REL = "nofollow ugc noopener noreferrer"
SAFE_URL = re.compile(r"^(https?://|mailto:|/|#|[\w./-]+$)", re.IGNORECASE)

# (id, raw HTML). Each would run script, load something, or restyle the page if it passed.
RAW_XSS: list[tuple[str, str]] = [
    ("script", "<script>alert(1)</script>"),
    ("script-mixed-case", "<ScRiPt>alert(1)</sCrIpT>"),
    ("script-src", '<script src="https://evil.example/x.js"></script>'),
    ("script-split", "<scr<script>ipt>alert(1)</scr</script>ipt>"),
    ("style-tag", "<style>body{display:none}</style>"),
    ("style-attribute", '<p style="background:url(javascript:alert(1))">x</p>'),
    ("iframe", '<iframe src="https://evil.example"></iframe>'),
    ("iframe-srcdoc", '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>'),
    ("object", '<object data="javascript:alert(1)"></object>'),
    ("embed", '<embed src="https://evil.example/x.swf">'),
    ("base", '<base href="https://evil.example/">'),
    ("meta-refresh", '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">'),
    ("link-stylesheet", '<link rel="stylesheet" href="https://evil.example/x.css">'),
    ("form", '<form action="https://evil.example"><input name="password"></form>'),
    ("button-formaction", '<button formaction="javascript:alert(1)">go</button>'),
    ("img-onerror", '<img src="x" onerror="alert(1)">'),
    ("img-onerror-unquoted", "<img src=x onerror=alert(1)>"),
    ("img-srcset", '<img srcset="https://evil.example/pixel.png 1x">'),
    ("p-onclick", '<p onclick="alert(1)">x</p>'),
    ("a-onmouseover", '<a href="https://example.com" onmouseover="alert(1)">x</a>'),
    ("strong-onfocus-autofocus", '<strong tabindex="1" autofocus onfocus="alert(1)">x</strong>'),
    ("details-ontoggle", '<details open ontoggle="alert(1)">x</details>'),
    ("body-onload", '<body onload="alert(1)">'),
    ("video-onerror", '<video><source onerror="alert(1)"></video>'),
    ("marquee-onstart", '<marquee onstart="alert(1)">x</marquee>'),
    ("href-javascript", '<a href="javascript:alert(1)">x</a>'),
    ("href-javascript-case", '<a href="JaVaScRiPt:alert(1)">x</a>'),
    ("href-javascript-decimal-entity", '<a href="&#106;avascript:alert(1)">x</a>'),
    ("href-javascript-hex-entity", '<a href="&#x6A;&#x61;vascript:alert(1)">x</a>'),
    ("href-javascript-padded-entity", '<a href="&#0000106;avascript:alert(1)">x</a>'),
    ("href-javascript-named-colon", '<a href="javascript&colon;alert(1)">x</a>'),
    ("href-javascript-tab-entity", '<a href="java&#x09;script:alert(1)">x</a>'),
    ("href-javascript-tab", '<a href="java\tscript:alert(1)">x</a>'),
    ("href-javascript-newline", '<a href="java\nscript:alert(1)">x</a>'),
    ("href-javascript-leading-space", '<a href="  javascript:alert(1)">x</a>'),
    ("href-javascript-leading-control", '<a href="\x01javascript:alert(1)">x</a>'),
    ("href-javascript-unquoted", "<a href=javascript:alert(1)>x</a>"),
    ("href-data", '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>'),
    ("href-data-case", '<a href="DaTa:text/html,<script>alert(1)</script>">x</a>'),
    ("href-vbscript", '<a href="vbscript:msgbox(1)">x</a>'),
    ("href-vbscript-case", '<a href="VBScript:msgbox(1)">x</a>'),
    ("href-file", '<a href="file:///etc/passwd">x</a>'),
    ("svg-onload", '<svg onload="alert(1)"></svg>'),
    ("svg-script", "<svg><script>alert(1)</script></svg>"),
    ("svg-a-xlink", '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>'),
    (
        "svg-animate-href",
        '<svg><a><animate attributeName="href" values="javascript:alert(1)"/></a></svg>',
    ),
    ("svg-foreignobject", "<svg><foreignObject><iframe src=x></iframe></foreignObject></svg>"),
    ("math-href", '<math><mtext href="javascript:alert(1)">x</mtext></math>'),
    ("math-mglyph-style", "<math><mtext><mglyph><style><img src=x onerror=alert(1)>"),
    ("noscript-breakout", '<noscript><p title="</noscript><img src=x onerror=alert(1)>">'),
    ("template", "<template><script>alert(1)</script></template>"),
    ("comment-breakout", "<!--><script>alert(1)</script>-->"),
    ("cdata", "<![CDATA[><script>alert(1)</script>]]>"),
    ("unknown-attributes", '<p class="x" id="y" data-x="1" hidden>x</p>'),
    ("a-target-and-ping", '<a href="https://example.com" target="_blank" ping="/x">x</a>'),
    ("a-own-rel", '<a href="https://example.com" rel="opener">x</a>'),
    ("table", "<table><tr><td>x</td></tr></table>"),
    ("h1-h2", "<h1>x</h1><h2>y</h2>"),
    ("img-plain", '<img src="https://evil.example/pixel.png">'),
]

SCRIPT_WORDS = re.compile(r"javascript:|vbscript:|data:|on\w+\s*=|<script|<style", re.IGNORECASE)


class Elements(HTMLParser):
    """Every start tag with its attributes, as a browser's tokenizer would see them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def elements(markup: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Elements()
    parser.feed(markup)
    parser.close()
    return parser.found


def assert_within_allow_list(markup: str) -> None:
    for tag, attrs in elements(markup):
        assert tag in ALLOWED_TAGS, f"<{tag}> is not allowed: {markup!r}"
        extra = set(attrs) - GENERIC - ALLOWED_ATTRIBUTES.get(tag, set())
        assert not extra, f"<{tag}> kept {extra}: {markup!r}"
        if tag == "a":
            assert attrs.get("rel") == REL, markup
            href = attrs.get("href")
            # Decoded (entities) and stripped as a browser would before reading the scheme.
            if href is not None:
                plain = re.sub(r"[\x00-\x20]", "", html.unescape(href))
                assert SAFE_URL.match(plain), f"unsafe href {href!r}: {markup!r}"


@pytest.mark.parametrize("raw", [raw for _, raw in RAW_XSS], ids=[i for i, _ in RAW_XSS])
def test_raw_html_comes_out_within_the_allow_list(raw):
    cleaned = sanitise(raw)
    assert_within_allow_list(cleaned)
    # No executable text can survive even as an attribute value of an allowed element.
    for _, attrs in elements(cleaned):
        for value in attrs.values():
            assert not SCRIPT_WORDS.search(html.unescape(value or "")), cleaned


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "&#106;avascript:alert(1)",
        "&#x6a;avascript:alert(1)",
        "java&#x0A;script:alert(1)",
        " javascript:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html,x",
        "DATA:image/svg+xml,<svg onload=alert(1)>",
        "ftp://example.com/x",
        "file:///etc/passwd",
    ],
)
def test_a_link_to_an_unsafe_scheme_loses_its_href_but_keeps_its_text(href):
    cleaned = sanitise(f'<a href="{href}">words</a>')
    assert cleaned == f'<a rel="{REL}">words</a>'


@pytest.mark.parametrize(
    "href", ["https://example.com/a?b=1", "http://example.com", "mailto:someone@example.com"]
)
def test_links_to_the_allowed_schemes_keep_their_href_and_get_the_rel(href):
    cleaned = sanitise(f'<a href="{href}" title="t">words</a>')
    assert cleaned == f'<a href="{href.replace("&", "&amp;")}" title="t" rel="{REL}">words</a>'


def test_every_allowed_element_survives_as_written():
    # The other half of the allow-list: the formatting members may use is not stripped.
    kept = (
        "<p>a<br>b</p><p><strong>s</strong> <em>e</em> <code>c</code></p>"
        "<pre><code>x</code></pre><blockquote><p>q</p></blockquote>"
        "<ul><li>u</li></ul><ol><li>o</li></ol>"
        "<h3>3</h3><h4>4</h4><h5>5</h5><h6>6</h6><hr>"
    )
    assert sanitise(kept) == kept


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("<script>alert(1)</script>after", "after"),  # content of script/style dropped
        ("<style>p{}</style>after", "after"),
        ("<iframe>inside</iframe>", "inside"),  # unknown elements unwrapped, text kept
        ("<table><tr><td>cell</td></tr></table>", "cell"),
        ("<h1>big</h1>", "big"),  # only the demoted h3-h6 are allowed
        ('<img src="x" onerror="alert(1)">', ""),
        ('<p class="c" id="i" style="color:red" onclick="x">t</p>', "<p>t</p>"),
        ('<a href="https://e.example" target="_blank" rel="opener">l</a>',
         f'<a href="https://e.example" rel="{REL}">l</a>'),
        ("1 < 2 & 3 > 2", "1 &lt; 2 &amp; 3 &gt; 2"),
        # Attributes nh3 would keep by default but this allow-list does not.
        ('<a href="https://e.example" hreflang="en">l</a>',
         f'<a href="https://e.example" rel="{REL}">l</a>'),
        ('<blockquote cite="https://e.example">q</blockquote>', "<blockquote>q</blockquote>"),
        ('<ol start="3"><li>x</li></ol>', "<ol><li>x</li></ol>"),
        ('<hr align="center" width="50">', "<hr>"),
    ],
)  # fmt: skip
def test_exact_output_of_typical_attacks(raw, expected):
    assert sanitise(raw) == expected


def test_rendered_markdown_goes_through_the_same_wall():
    # Headings are demoted (h1 -> h3, h2 -> h4) before the sanitiser, which drops h1/h2.
    headings = render_markdown("# One\n\n## Two\n\n### Three")
    assert headings == "<h3>One</h3>\n<h4>Two</h4>\n<h3>Three</h3>\n"
    assert render_markdown("[x](https://example.com)") == (
        f'<p><a href="https://example.com" rel="{REL}">x</a></p>\n'
    )
    # Images are off in the renderer: the syntax degrades to "!" and a plain link.
    assert render_markdown("![pixel](https://evil.example/p.png)") == (
        f'<p>!<a href="https://evil.example/p.png" rel="{REL}">pixel</a></p>\n'
    )


def test_count_links_counts_anchors_only():
    rendered = render_markdown("[a](https://a.example) and [b](mailto:b@example.com), no <abbr>")
    assert count_links(rendered) == 2
    assert count_links("<A HREF='x'>x</A><abbr>y</abbr><a\thref='z'>z</a>") == 2
