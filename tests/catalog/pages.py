"""Builds page text in the captured format, for tests that need a variant of a page."""


def render_page(options, pick, url="https://example.test/compare/kettle-vs-stove"):
    """options: [(name, description, pros, cons, tags)] in title order."""
    names = [o[0] for o in options]
    out = [
        f"URL: {url}",
        "",
        "Dynamic",
        "",
        " vs ".join(names),
        "",
        "Two ways to heat water. Here's our take.",
        "",
        "🧊Nice Pick",
        "",
        pick,
        "",
    ]
    for name, description, pros, cons, tags in options:
        out += (
            [name, ""] + (["Nice Pick", ""] if name == pick else []) + [description, "", "Pros", ""]
        )
        out += [f"  • +{p}" for p in pros] + (
            [f"  • +Related to: {', '.join(tags)}"] if tags else []
        )
        out += ["", "Cons", ""] + [f"  • -{c}" for c in cons] + [""]
    out += ["The Verdict", ""] + [f"Use {n} if: You like {n}.\n" for n in names]
    out += [
        "🧊",
        "The Bottom Line",
        f"{pick} wins",
        "",
        "It is the better default.",
        "",
        "Disagree with our pick? Write to us.",
    ]
    return "\n".join(out)
