"""What a refused browser post must show (tests/discussions/test_typed_text_kept*.py): the
form's page again with the refusal's status, the message by the field, the typed text."""

from __future__ import annotations

import re

TYPED = (
    "Three links <b>bold</b> [a](https://a.example) [b](https://b.example) [c](https://c.example)"
)
KEPT = "Three links &lt;b&gt;bold&lt;/b&gt; [a](https://a.example) [b](https://b.example)"
LINKS = "New accounts may include at most 2 links per post"


def assert_kept(response, status: int, message: str, field_id: str, kept: str = KEPT):
    html = response.get_data(as_text=True)
    assert response.status_code == status, html[:400]
    assert "text/html" in response.content_type
    assert kept in html and "<b>bold" not in html
    if "&lt;" in kept:  # the typed markup comes back escaped, never as markup
        assert kept.replace("&lt;", "<").replace("&gt;", ">") not in html
    # the message sits by the field: the field points at it, is marked and takes the focus
    field = re.search(rf'<(?:textarea|input|select) id="{field_id}"[^>]*>', html)
    assert field is not None, html
    tag = field.group(0)
    assert f'aria-describedby="{field_id}-error"' in tag
    assert 'aria-invalid="true"' in tag and "autofocus" in tag
    shown = re.search(rf'<p class="field-msg is-error" id="{field_id}-error"[^>]*>(.*?)</p>', html)
    assert shown is not None and message in shown.group(1)
    assert html.count('class="field-msg is-error"') == 1
    assert "Back to all comparisons" not in html  # not the generic error page
    return html
