"""How wide a line of badge text is, in pixels at 11 px, without a font on the server.

The advances are DejaVu Sans's (Verdana's metric twin, the badge's first fallback), read
once from the font's hmtx table. The SVG also pins each text to the measured width
(``textLength``), so whichever font the reader's browser picks, the text fills its
segment exactly and never spills over the edge.
"""

from __future__ import annotations

import unicodedata

# U+0020 to U+007E, then U+00A0 to U+00FF: advance widths at 11 px.
# fmt: off
_ASCII = (
    3.5, 4.41, 5.06, 9.22, 7, 10.45, 8.58, 3.02, 4.29, 4.29, 5.5, 9.22,
    3.5, 3.97, 3.5, 3.71, 7, 7, 7, 7, 7, 7, 7, 7,
    7, 7, 3.71, 3.71, 9.22, 9.22, 9.22, 5.84, 11, 7.52, 7.55, 7.68,
    8.47, 6.95, 6.33, 8.52, 8.27, 3.24, 3.24, 7.21, 6.13, 9.49, 8.23, 8.66,
    6.63, 8.66, 7.64, 6.98, 6.72, 8.05, 7.52, 10.88, 7.54, 6.72, 7.54, 4.29,
    3.71, 4.29, 9.22, 5.5, 5.5, 6.74, 6.98, 6.05, 6.98, 6.77, 3.87, 6.98,
    6.97, 3.06, 3.06, 6.37, 3.06, 10.72, 6.97, 6.73, 6.98, 6.98, 4.52, 5.73,
    4.31, 6.97, 6.51, 9, 6.51, 6.51, 5.77, 7, 3.71, 7, 9.22,
)
_LATIN1 = (
    3.5, 4.41, 7, 7, 7, 7, 3.71, 5.5, 5.5, 11, 5.18, 6.73,
    9.22, 3.97, 11, 5.5, 5.5, 9.22, 4.41, 4.41, 5.5, 7, 7, 3.5,
    5.5, 4.41, 5.18, 6.73, 10.66, 10.66, 10.66, 5.84, 7.52, 7.52, 7.52, 7.52,
    7.52, 7.52, 10.72, 7.68, 6.95, 6.95, 6.95, 6.95, 3.24, 3.24, 3.24, 3.24,
    8.52, 8.23, 8.66, 8.66, 8.66, 8.66, 8.66, 9.22, 8.66, 8.05, 8.05, 8.05,
    8.05, 6.72, 6.65, 6.93, 6.74, 6.74, 6.74, 6.74, 6.74, 6.74, 10.8, 6.05,
    6.77, 6.77, 6.77, 6.77, 3.06, 3.06, 3.06, 3.06, 6.73, 6.97, 6.73, 6.73,
    6.73, 6.73, 6.73, 9.22, 6.73, 6.97, 6.97, 6.97, 6.97, 6.51, 6.98, 6.51,
)
# fmt: on
_OTHER = {"…": 11.0, "–": 5.5, "—": 11.0, "‘": 3.5, "’": 3.5, "“": 5.63, "”": 5.63}
WIDE = 11.0  # East Asian wide and full-width characters: about one em
DEFAULT = 7.5  # any other letter: a capital's width, so a guess errs on the wide side
ELLIPSIS = "…"


def char_width(char: str) -> float:
    code = ord(char)
    if 32 <= code <= 126:
        return _ASCII[code - 32]
    if 160 <= code <= 255:
        return _LATIN1[code - 160]
    if char in _OTHER:
        return _OTHER[char]
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0.0
    return WIDE if unicodedata.east_asian_width(char) in ("W", "F") else DEFAULT


def text_width(text: str) -> float:
    return sum(char_width(c) for c in text)


def truncate(text: str, most: float) -> str:
    """``text`` when it fits in ``most`` pixels, else its longest start that fits with an
    ellipsis after it (whitespace runs fold to one space first)."""
    text = " ".join(text.split())
    if text_width(text) <= most:
        return text
    room, out = most - char_width(ELLIPSIS), []
    for char in text:
        room -= char_width(char)
        if room < 0:
            break
        out.append(char)
    return "".join(out).rstrip() + ELLIPSIS
