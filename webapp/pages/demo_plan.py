"""The demo month (pages/demo.py plays it): who does what, on which demo comparison,
how many days ago. Plain data; the names are the demo comparisons' titles and options."""

from __future__ import annotations

import random
from dataclasses import dataclass

PREFIX = "demo-"
NAMES = [
    "ana",
    "ben",
    "chloe",
    "dev",
    "eli",
    "fatima",
    "gus",
    "hana",
    "ivan",
    "jun",
    "kofi",
    "lena",
]
NEWCOMERS = ["mo", "nora"]  # young, unverified accounts: their votes weigh less
EDITOR = "editor"
SEED = 13  # the plan is the same on every run


@dataclass
class Action:
    days_ago: float
    comparison: str  # title
    kind: str  # vote | rate | disagree | post | resolve
    member: str
    value: object = None  # option name, (claim index, importance), text, (text, new pick)


def _votes(title, day, spread, picks):
    """One vote per (member, option name), a few hours apart from ``day`` on."""
    return [
        Action(day - i * spread, title, "vote", member, option)
        for i, (member, option) in enumerate(picks)
    ]


def plan() -> list[Action]:
    """The month, as a list of actions (sorted oldest first by the seeder)."""
    everyone = NAMES
    py, go = "Python", "Go"
    nv, vs = "Neovim", "VS Code"
    actions: list[Action] = []
    # Open disagreement: the community prefers Python to the editors' Go.
    actions += _votes("Python vs Go", 24, 1.6, [(m, py) for m in everyone[:10]])
    actions += _votes("Python vs Go", 23, 1.5, [(m, go) for m in everyone[10:]])
    actions += [
        Action(
            5.2,
            "Python vs Go",
            "disagree",
            "ana",
            "Most of our services are glue around "
            "data libraries. Go is lovely, but the ecosystem argument decides it for us.",
        ),
        Action(
            4.6,
            "Python vs Go",
            "post",
            "kofi",
            "Single static binaries saved us a lot "
            "of deployment pain. I would keep Go as the pick for services.",
        ),
        Action(
            3.1,
            "Python vs Go",
            "post",
            "chloe",
            "Both are fine; the pick should say "
            "who it is for. Data-heavy teams will keep choosing Python.",
        ),
    ]
    # Resolved disagreement: the community picks Neovim; the editors switch to it.
    actions += _votes("Neovim vs VS Code", 29, 0.8, [(m, nv) for m in everyone[:9]])
    actions += _votes("Neovim vs VS Code", 28.5, 1.0, [(m, vs) for m in everyone[9:]])
    actions += [
        Action(
            20.5,
            "Neovim vs VS Code",
            "disagree",
            "dev",
            "Startup time and working over "
            "SSH matter more to me than extensions. The modal editing pays off.",
        ),
        Action(
            19.0,
            "Neovim vs VS Code",
            "post",
            "jun",
            "VS Code is the easier start, but the pick is for people who edit code all day.",
        ),
        Action(
            15.5,
            "Neovim vs VS Code",
            "resolve",
            EDITOR,
            (
                "We re-read the thread and the "
                "ratings: for daily, keyboard-heavy editing Neovim is the better pick. VS Code "
                "stays the easier start.",
                nv,
            ),
        ),
    ]
    # A flip: Memcached leads at first, then the votes move to Redis.
    actions += _votes(
        "Redis vs Memcached",
        27,
        1.0,
        [
            ("ana", "Memcached"),
            ("ben", "Memcached"),
            ("chloe", "Memcached"),
            ("dev", "Memcached"),
            ("eli", "Memcached"),
            ("fatima", "Redis"),
            ("gus", "Redis"),
            ("hana", "Redis"),
            ("ivan", "Memcached"),
        ],
    )
    actions += _votes(
        "Redis vs Memcached",
        12,
        1.2,
        [
            ("jun", "Redis"),
            ("kofi", "Redis"),
            ("lena", "Redis"),
            ("ana", "Redis"),
            ("ben", "Redis"),
            ("chloe", "Redis"),
            ("mo", "Redis"),
        ],
    )
    # Agreement with the editors.
    actions += _votes(
        "PostgreSQL vs MySQL vs SQLite",
        18,
        1.1,
        [(m, "PostgreSQL") for m in everyone[:9]]
        + [("jun", "SQLite"), ("kofi", "MySQL"), ("nora", "SQLite")],
    )
    actions += _votes(
        "Carry-On Only vs Checked Bag",
        9,
        0.6,
        [(m, "Carry-On Only") for m in everyone[2:11]]
        + [("lena", "Checked Bag"), ("ana", "Checked Bag")],
    )
    # Close calls: a dead heat, and a lean away from the editors.
    actions += _votes(
        "Flying vs Train",
        6,
        0.4,
        [(m, "Train" if i % 2 else "Flying") for i, m in enumerate(everyone)],
    )
    actions += _votes(
        "Code Review vs Pair Programming",
        3.5,
        0.3,
        # Alternating, so the lead never gets big enough to count as a disagreement.
        [
            (m, "Pair Programming" if i % 2 and i < 11 else "Code Review")
            for i, m in enumerate(everyone)
        ],
    )
    # A few early votes where the verdict still waits.
    actions += _votes(
        "Notion vs Obsidian vs Pen + Paper",
        2.5,
        0.5,
        [("eli", "Obsidian"), ("hana", "Pen + Paper"), ("mo", "Obsidian")],
    )
    actions += _votes(
        "Pour-Over vs French Press vs AeroPress",
        1.5,
        0.3,
        [("gus", "AeroPress"), ("lena", "French Press")],
    )
    # Ratings of pros and cons, spread over the month.
    rng = random.Random(SEED)
    for title, start in [
        ("Python vs Go", 22),
        ("Neovim vs VS Code", 26),
        ("Redis vs Memcached", 11),
        ("Flying vs Train", 5.5),
    ]:
        for i, member in enumerate(everyone[:5]):
            for claim in range(0, 6, 2):
                actions.append(
                    Action(
                        start - i * 0.7 - claim * 0.05,
                        title,
                        "rate",
                        member,
                        (claim, rng.choice([1, 2, 3, 3, 4])),
                    )
                )
    return actions
