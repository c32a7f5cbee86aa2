"""Pure parser: the text of one captured page -> ParsedPage, or Refused with a reason.

No Flask and no database here, so every variant of the format can be tested alone.
A capture without the closing "Disagree with our pick?" line was cut off by the
extractor: its last line is treated as cut (never used as content), and what could
not be read is reported in ``missing``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ICE = "\N{ICE CUBE}"
NICE_PICK = "Nice Pick"
END_MARKER = "Disagree with our pick?"
VERDICT_HEADINGS = ("The Verdict", "Verdict")
RELATED = "Related to:"
BULLET = re.compile(r"^(?:[\u2022\-*]\s+)?([+-])\s*(.*)$")


class Refused(Exception):
    """The file is not an importable comparison; ``code`` names the reason class."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class ParsedOption:
    name: str
    description: str = ""
    pros: list[str] = field(default_factory=list)
    cons: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    use_if: str | None = None


@dataclass
class ParsedPage:
    title: str
    options: list[ParsedOption]
    pick: str
    intro: str = ""
    label: str | None = None
    url: str | None = None
    summary: str | None = None
    bottom_line: str | None = None
    missing: list[str] = field(default_factory=list)

    @property
    def is_partial(self) -> bool:
        return bool(self.missing)


def split_title(line: str) -> list[str] | None:
    parts = [p.strip() for p in line.split(" vs ")]
    if len(parts) >= 2 and all(parts):
        return parts
    return None


def _bullet(line: str) -> tuple[str, str] | None:
    match = BULLET.match(line)
    if not match:
        return None
    return match.group(1), match.group(2).strip()


def _is_nice_pick(line: str) -> bool:
    return line.lstrip(ICE).startswith(NICE_PICK)


def parse(text: str) -> ParsedPage:
    lines = [ln.strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln]
    url = None
    if lines and lines[0].startswith("URL:"):
        url = lines.pop(0)[4:].strip() or None
    if not lines:
        raise Refused("empty", "no page text")

    complete = any(ln.startswith(END_MARKER) for ln in lines)
    cut_line = None
    if complete:
        lines = lines[: next(i for i, ln in enumerate(lines) if ln.startswith(END_MARKER))]
    else:
        cut_line = lines.pop()

    title_at = next((i for i, ln in enumerate(lines[:3]) if split_title(ln)), None)
    has_pros = "Pros" in lines or cut_line == "Pros"
    if title_at is None:
        _refuse_non_comparison(lines, cut_line, has_pros)
    names = split_title(lines[title_at])
    title = lines[title_at]
    label = lines[0] if title_at == 1 else None
    if title_at == 2:
        raise Refused("unknown", "unrecognised header before the title")
    if not has_pros:
        raise Refused("article", "an article page without Pros/Cons, not a comparison")

    body = lines[title_at + 1 :]
    intro, pick_summary = _intro_and_pick(body, names)
    options, pick, end = _option_blocks(body, names, cut_line)
    pick = pick or pick_summary
    if pick is None:
        raise Refused("no-pick", "no 'Nice Pick' marks any option")
    page = ParsedPage(title=title, options=options, pick=pick, intro=intro, label=label, url=url)
    _verdict(page, body[end:], cut_line, complete)
    return page


def _refuse_non_comparison(lines: list[str], cut_line: str | None, has_pros: bool) -> None:
    head = " ".join(lines[:4])
    if "Full Rankings" in lines or re.match(r"^Best .*\(\d{4}\)", head):
        raise Refused("listing", "a ranked listing page, not a comparison")
    if re.search(r"\b(min read|read time)\b", head, re.IGNORECASE):
        raise Refused("article", "an article page without an 'A vs B' title, not a comparison")
    if not has_pros:
        raise Refused("single-tool", "a single-tool page (no 'A vs B' title), not a comparison")
    raise Refused("unknown", "no 'A vs B' title line")


def _intro_and_pick(body: list[str], names: list[str]) -> tuple[str, str | None]:
    lowered = {n.lower() for n in names}
    intro: list[str] = []
    pick = None
    for i, line in enumerate(body):
        if _is_nice_pick(line) or line.lower() in lowered or line == "Pros":
            if line.lstrip(ICE) == NICE_PICK and i + 1 < len(body):
                candidate = body[i + 1]
                if candidate.lower() in lowered:
                    pick = _canonical(candidate, names)
            break
        intro.append(line)
    return " ".join(intro), pick


def _canonical(name: str, names: list[str]) -> str:
    return next(n for n in names if n.lower() == name.lower())


def _option_blocks(
    body: list[str], names: list[str], cut_line: str | None
) -> tuple[list[ParsedOption], str | None, int]:
    """Each option block is the last line naming an option before a 'Pros' line."""
    lowered = [n.lower() for n in names]
    options: list[ParsedOption] = []
    pick = None
    i = 0
    start = 0
    for expected in names:
        pros_at = _find(body, "Pros", i)
        if pros_at is None:
            raise Refused("cut-in-options", f"cut off before the Pros of {expected}")
        header = next(
            (j for j in range(pros_at - 1, start - 1, -1) if body[j].lower() in lowered), None
        )
        if header is None or body[header].lower() != expected.lower():
            found = body[header] if header is not None else "nothing"
            raise Refused("unknown", f"expected the block of {expected}, found {found}")
        option = ParsedOption(name=expected)
        description = []
        for line in body[header + 1 : pros_at]:
            if _is_nice_pick(line):
                pick = expected
                line = line.lstrip(ICE)[len(NICE_PICK) :].strip()
            if line:
                description.append(line)
        option.description = " ".join(description)
        i = _read_bullets(body, pros_at + 1, "+", option, "Pros")
        if i >= len(body) or body[i] != "Cons":
            if i >= len(body):
                raise Refused("cut-in-options", f"cut off inside the Pros of {expected}")
            raise Refused("unknown", f"expected 'Cons' for {expected}, found {body[i][:40]!r}")
        i = _read_bullets(body, i + 1, "-", option, "Cons")
        if i >= len(body) and cut_line is not None and _bullet(cut_line):
            raise Refused("cut-in-options", f"cut off inside the Cons of {expected}")
        options.append(option)
        start = i
    return options, pick, i


def _find(lines: list[str], value: str, start: int) -> int | None:
    return next((j for j in range(start, len(lines)) if lines[j] == value), None)


def _read_bullets(body: list[str], i: int, sign: str, option: ParsedOption, section: str) -> int:
    while i < len(body):
        bullet = _bullet(body[i])
        if bullet is None or bullet[0] != sign:
            break
        text = bullet[1]
        if sign == "+" and text.startswith(RELATED):
            option.tags.extend(t.strip() for t in text[len(RELATED) :].split(",") if t.strip())
        elif sign == "+":
            option.pros.append(text)
        else:
            option.cons.append(text)
        i += 1
    return i


USE_IF = re.compile(r"^Use (.+?) if:\s*(.*)$")


def _verdict(page: ParsedPage, rest: list[str], cut_line: str | None, complete: bool) -> None:
    names = [o.name for o in page.options]
    by_name = {o.name.lower(): o for o in page.options}
    if not rest or rest[0] not in VERDICT_HEADINGS:
        page.missing += ["verdict", "bottom line"]
        return
    rest = rest[1:]
    use_style = any(ln.startswith("Use ") for ln in rest) or bool(
        cut_line and cut_line.startswith("Use ") and not rest
    )
    i = 0
    if use_style:
        while i < len(rest) and (match := USE_IF.match(rest[i])):
            option = by_name.get(match.group(1).lower())
            if option is not None:
                option.use_if = match.group(2).strip()
            i += 1
        page.missing += [
            f"verdict line for {n}" for n in names if by_name[n.lower()].use_if is None
        ]
    elif rest:
        page.summary = rest[0]
        i = 1
    else:
        page.missing.append("verdict")
    # Rich render: "🧊", "The Bottom Line", "<pick> wins", sentence. Plain: the sentence.
    headings = {ICE, "The Bottom Line", *(f"{n} wins" for n in names)}
    tail = [ln for ln in rest[i:] if ln not in headings]
    if tail:
        page.bottom_line = " ".join(tail)
    else:
        page.missing.append("bottom line")
