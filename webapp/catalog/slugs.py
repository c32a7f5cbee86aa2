"""Slugs for URLs: lower-case words joined by hyphens (letters of any script kept)."""

import re
import unicodedata

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def slugify(text: str, max_length: int = 120) -> str:
    normalised = unicodedata.normalize("NFKC", text).casefold()
    slug = _NON_WORD.sub("-", normalised).strip("-")
    return slug[:max_length].rstrip("-") or "item"
