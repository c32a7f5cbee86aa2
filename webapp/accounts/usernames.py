"""The one username rule, used by the registration form, the service behind it (so the
command line obeys it too) and, through the ``slug`` route converter, the profile,
suspend and void pages.

A username is 3 to 32 ASCII letters, digits, ``_`` or ``-``, starting and ending with a
letter or digit. ASCII only: look-alike letters from other scripts (a Cyrillic "а") and
full-width forms cannot pose as someone. Names that read as the site or its staff are
refused too: the site name (the label of system posts), the role names, ``system``,
``root`` and the like, compared by their *skeleton*: NFKC-normalised, case-folded, with
every non-letter-or-digit removed and the usual digit look-alikes read as letters
("Adm1n", "the-admin", "CROWD_PICK"). Existing accounts keep their names: usernames
with a dot, allowed before this rule, stay reachable (the route converter accepts a dot).
"""

from __future__ import annotations

import re
import unicodedata

from .models import ROLES

MIN_LENGTH, MAX_LENGTH = 3, 32
PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*[A-Za-z0-9]")
SITE_NAME = "Crowdpick"

RULE_MESSAGE = (
    "Use letters, digits, '_' or '-' (no spaces or dots), starting and ending with a "
    "letter or digit."
)
RESERVED_MESSAGE = "That name is kept for the site and its staff. Choose another."

# Names nobody may take, alone ("Admin", "s-y-s-t-e-m") ...
RESERVED = (
    SITE_NAME,
    *ROLES,
    "administrator",
    "mod",
    "mods",
    "staff",
    "team",
    "official",
    "support",
    "help",
    "system",
    "root",
    "superuser",
    "sysop",
    "operator",
    "owner",
    "security",
    "abuse",
    "postmaster",
    "webmaster",
    "hostmaster",
    "noreply",
    "anonymous",
    "deleted",
    "nobody",
    "null",
    "none",
    "undefined",
)
# ... and these also at either end ("TheAdmin", "moderator_jane"); the site name anywhere.
# Words common inside ordinary names ("mod", "staff": Stafford) count only alone.
RESERVED_AFFIXES = ("admin", "moderator", "editor", "official", "system")

# Digits and signs read as letters, then letter pairs that look like one letter.
_LOOKALIKES = str.maketrans(
    {"0": "o", "1": "l", "i": "l", "!": "l", "|": "l", "3": "e", "4": "a", "@": "a"}
    | {"5": "s", "$": "s", "7": "t", "8": "b", "9": "g"}
)
_PAIRS = (("rn", "m"), ("vv", "w"), ("cl", "d"))


def skeleton(name: str) -> str:
    """What a name looks like, for comparing with the reserved names: NFKC, case-fold,
    only letters and digits, look-alikes merged."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())
    folded = folded.translate(_LOOKALIKES)
    core = "".join(ch for ch in folded if ch.isalnum())
    for pair, single in _PAIRS:
        core = core.replace(pair, single)
    return core


_RESERVED_SKELETONS = frozenset(skeleton(word) for word in RESERVED)
_AFFIX_SKELETONS = tuple(skeleton(word) for word in RESERVED_AFFIXES)
_SITE_SKELETON = skeleton(SITE_NAME)


def is_reserved(name: str) -> bool:
    """Reserved as written, and with digits and punctuation at its ends dropped
    ("Admin2", "_root_")."""
    return any(_reserved_shape(skeleton(n)) for n in (name, _ENDS.sub("", name)))


_ENDS = re.compile(r"^[\W\d_]+|[\W\d_]+$")


def _reserved_shape(shape: str) -> bool:
    return (
        shape in _RESERVED_SKELETONS
        or _SITE_SKELETON in shape
        or any(shape.startswith(a) or shape.endswith(a) for a in _AFFIX_SKELETONS)
    )


def problem(name: str) -> str | None:
    """Why ``name`` cannot be a new username, or None when it can."""
    if not isinstance(name, str) or not MIN_LENGTH <= len(name) <= MAX_LENGTH:
        return f"Use {MIN_LENGTH} to {MAX_LENGTH} characters."
    if is_reserved(name):
        return RESERVED_MESSAGE
    if not PATTERN.fullmatch(name):
        return RULE_MESSAGE
    return None
