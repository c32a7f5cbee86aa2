"""The parser on small pages written for these tests, one variant per test."""

import pytest

from webapp.catalog.importer.parser import Refused, parse

RICH = """URL: https://example.test/compare/kettle-vs-stove

Dynamic

Kettle vs Stove

A kettle boils fast; a stove does more. Here's our take.

🧊Nice Pick

Kettle

Fast water, nothing else.

Kettle

Nice Pick

Fast water, nothing else.

Pros

  • +Boils a litre in three minutes
  • +Switches itself off
  • +Related to: kitchen, tea

Cons

  • -Does one job

Stove

Heats any pot you own.

Pros

  • +Cooks whole meals
  • +Related to: kitchen

Cons

  • -Slower for water
  • -Needs watching

The Verdict

Use Kettle if: You mostly make tea.

Use Stove if: You cook more than you brew.

🧊
The Bottom Line
Kettle wins

For hot water, nothing beats it.

Disagree with our pick? Write to us.
"""

PLAIN = """Kettle vs Stove
A kettle boils fast; a stove does more. Here's our take.
Kettle
Fast water, nothing else.
Kettle
Nice PickFast water, nothing else.
Pros
- +Boils a litre in three minutes
- +Related to: kitchen, tea
Cons
- -Does one job
Stove
Heats any pot you own.
Pros
- +Cooks whole meals
- +Related to: kitchen
Cons
- -Slower for water
The Verdict
These serve different purposes. We picked Kettle for speed.
For hot water, nothing beats it.
Disagree with our pick? Write to us.
"""


def test_rich_page_reads_every_part():
    page = parse(RICH)
    assert page.url == "https://example.test/compare/kettle-vs-stove"
    assert page.label == "Dynamic"
    assert page.title == "Kettle vs Stove"
    assert page.intro.endswith("Here's our take.")
    assert page.pick == "Kettle"
    kettle, stove = page.options
    assert kettle.description == "Fast water, nothing else."
    assert kettle.pros == ["Boils a litre in three minutes", "Switches itself off"]
    assert kettle.tags == ["kitchen", "tea"]
    assert stove.cons == ["Slower for water", "Needs watching"]
    assert kettle.use_if == "You mostly make tea."
    assert stove.use_if == "You cook more than you brew."
    assert page.bottom_line == "For hot water, nothing beats it."
    assert page.missing == []


def test_related_to_is_tags_never_a_pro():
    page = parse(RICH)
    assert all("Related to" not in pro for o in page.options for pro in o.pros)
    assert page.options[1].tags == ["kitchen"]


def test_plain_capture_with_glued_nice_pick_and_paragraph_verdict():
    page = parse(PLAIN)
    assert page.label is None and page.url is None
    assert page.pick == "Kettle"
    assert page.options[0].description == "Fast water, nothing else."
    assert [len(o.pros) for o in page.options] == [1, 1]
    assert page.summary.startswith("These serve different purposes.")
    assert page.bottom_line == "For hot water, nothing beats it."
    assert all(o.use_if is None for o in page.options)
    assert page.missing == []


def test_pick_can_be_the_second_option():
    text = PLAIN.replace("Nice PickFast water", "Fast water").replace(
        "Stove\nHeats any pot you own.\nPros", "Stove\nNice PickHeats any pot you own.\nPros"
    )
    assert parse(text).pick == "Stove"


def test_three_options():
    text = RICH.replace("Kettle vs Stove", "Kettle vs Stove vs Campfire").replace(
        "The Verdict",
        "Campfire\n\nSmoky.\n\nPros\n\n  • +Outdoors\n\nCons\n\n  • -Rain\n\nThe Verdict",
    )
    page = parse(text)
    assert [o.name for o in page.options] == ["Kettle", "Stove", "Campfire"]
    assert page.missing == ["verdict line for Campfire"]


def cut(text: str, marker: str) -> str:
    """The text up to and including ``marker`` (the capture stops mid-way)."""
    return text[: text.index(marker) + len(marker)]


def test_cut_in_verdict_keeps_options_and_names_what_is_missing():
    page = parse(cut(RICH, "Use Kettle if: You mostly"))
    assert page.pick == "Kettle"
    assert [len(o.cons) for o in page.options] == [1, 2]
    assert page.missing == ["verdict line for Kettle", "verdict line for Stove", "bottom line"]


def test_cut_after_first_verdict_line():
    page = parse(cut(RICH, "Use Stove if: You cook"))
    assert page.options[0].use_if == "You mostly make tea."
    assert page.missing == ["verdict line for Stove", "bottom line"]


def test_cut_in_the_verdict_heading_keeps_options():
    page = parse(cut(RICH, "The Ver"))
    assert page.missing == ["verdict", "bottom line"]


def test_cut_in_bottom_line():
    page = parse(cut(RICH, "For hot water"))
    assert page.missing == ["bottom line"]
    assert page.options[1].use_if == "You cook more than you brew."


@pytest.mark.parametrize(
    "marker, where",
    [
        ("  • +Cooks whole", "Pros of Stove"),
        ("  • -Slower for", "Cons of Stove"),
        ("Heats any pot", "Pros of Stove"),
        ("  • +Cooks whole meals\n  • +Rel", "Pros of Stove"),
    ],
)
def test_cut_inside_the_options_is_refused(marker, where):
    with pytest.raises(Refused) as info:
        parse(cut(RICH, marker))
    assert info.value.code == "cut-in-options"
    assert where in info.value.message


def test_single_tool_page_is_refused():
    text = "URL: https://example.test/tools/kettle\n\nKettle\nA kettle heats water.\nLearn it."
    with pytest.raises(Refused) as info:
        parse(text)
    assert info.value.code == "single-tool"


def test_listing_page_is_refused():
    text = (
        "Best Kettles (2031)\n\nRanked picks.\n\n🧊Nice Pick\n\nFull Rankings\n\nPros\n\n  • +Fast"
    )
    with pytest.raises(Refused) as info:
        parse(text)
    assert info.value.code == "listing"


def test_article_page_without_pros_is_refused():
    text = "Kettle vs Stove\n\nGuides · 5 min read\n\nSome prose.\n\nMore prose.\n\nThe end."
    with pytest.raises(Refused) as info:
        parse(text)
    assert info.value.code == "article"


def test_page_without_any_nice_pick_is_refused():
    text = RICH.replace("🧊Nice Pick\n", "").replace("Nice Pick\n", "")
    with pytest.raises(Refused) as info:
        parse(text)
    assert info.value.code == "no-pick"


def test_option_names_with_slash():
    text = RICH.replace("Stove", "CI/CD Stove")
    page = parse(text)
    assert page.options[1].name == "CI/CD Stove"
    assert page.options[1].use_if == "You cook more than you brew."
