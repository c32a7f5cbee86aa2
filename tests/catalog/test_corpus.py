"""The importer over a corpus, file by file, against expectations written by reading the
files (corpus_expectations.py):

- tests/catalog/corpus/: pages written for these tests and kept in the repository, one per
  case the parser knows (2 and 3 options, pros/cons and tags, Use-X-if and paragraph
  verdicts, rich and plain bottom lines, odd whitespace and unicode, cut captures, and
  every kind of page the importer refuses). CI never needs anything else.
- ../shared/corpus: the real page captures (CROWDPICK_CORPUS overrides). Locally a missing
  corpus skips those tests; under CI=true it fails them (tests/conftest.py).
"""

from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import CORPUS
from webapp.catalog.importer.runner import import_file
from webapp.catalog.models import Comparison
from webapp.extensions import db

from .corpus_expectations import EXPECTED, OWN_EXPECTED

OWN = Path(__file__).resolve().parent / "corpus"
# Without the shared corpus one placeholder case remains, so its fixture can fail (CI) or
# skip (locally) with the reason; an empty parameter list would skip silently even in CI.
FILES = sorted(p.name for p in CORPUS.glob("*.txt")) if CORPUS.is_dir() else ["<missing>"]


def test_expectations_cover_every_corpus_file(corpus_dir):
    assert sorted(EXPECTED) == sorted(p.name for p in corpus_dir.glob("*.txt"))


@pytest.mark.parametrize("name", FILES)
def test_file_imports_as_expected(name, session, corpus_dir):
    expected = EXPECTED[name]
    outcome = import_file(corpus_dir / name, dry_run=False, status="published", max_bytes=10**6)
    assert outcome.status == expected["outcome"], outcome.message
    if expected["outcome"] == "refused":
        assert expected["reason"] in _REASON_WORDS
        assert _REASON_WORDS[expected["reason"]] in outcome.message
        return
    assert outcome.missing == expected["missing"]
    comparison = db.session.scalars(
        sa.select(Comparison).where(Comparison.slug == outcome.slug)
    ).one()
    assert comparison.title == expected["title"]
    assert [o.name for o in comparison.options] == expected["options"]
    assert comparison.pick.name == expected["pick"]
    assert [len(o.pros) for o in comparison.options] == expected["pros"]
    assert [len(o.cons) for o in comparison.options] == expected["cons"]
    assert [sorted(t.slug for t in o.tags) for o in comparison.options] == [
        sorted(tags) for tags in expected["tags"]
    ]


# The words each refusal reason puts in the one-line report.
_REASON_WORDS = {
    "single-tool": "single-tool page",
    "listing": "listing page",
    "article": "article page",
    "cut-in-options": "cut off inside",
    "no-pick": "no 'Nice Pick'",
    "unknown": "no 'A vs B' title",
    "empty": "empty file",
    "no-text": "no page text",
    "encoding": "not UTF-8",
}


# --- the repository's own corpus ------------------------------------------------------


def test_own_expectations_cover_every_own_file():
    assert sorted(OWN_EXPECTED) == sorted(p.name for p in OWN.glob("*.txt"))
    # Every refusal reason and outcome the parser has is represented.
    reasons = {e["reason"] for e in OWN_EXPECTED.values() if e["outcome"] == "refused"}
    assert reasons == set(_REASON_WORDS)
    assert {e["outcome"] for e in OWN_EXPECTED.values()} == {"imported", "partial", "refused"}


@pytest.mark.parametrize("name", sorted(OWN_EXPECTED))
def test_own_page_imports_as_expected(name, session):
    expected = OWN_EXPECTED[name]
    outcome = import_file(OWN / name, dry_run=False, status="published", max_bytes=10**6)
    assert outcome.status == expected["outcome"], outcome.message
    if expected["outcome"] == "refused":
        assert _REASON_WORDS[expected["reason"]] in outcome.message
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Comparison)) == 0
        return
    assert outcome.missing == expected["missing"]
    comparison = db.session.scalars(
        sa.select(Comparison).where(Comparison.slug == outcome.slug)
    ).one()
    assert comparison.source == expected["source"]
    assert comparison.label == expected["label"]
    assert comparison.title == expected["title"]
    assert [o.name for o in comparison.options] == expected["options"]
    assert comparison.pick.name == expected["pick"]
    assert [len(o.pros) for o in comparison.options] == expected["pros"]
    assert [len(o.cons) for o in comparison.options] == expected["cons"]
    assert [sorted(t.slug for t in o.tags) for o in comparison.options] == expected["tags"]
    assert [o.use_if for o in comparison.options] == expected["use_if"]
    assert comparison.verdict.summary == expected["summary"]
    assert comparison.verdict.bottom_line == expected["bottom_line"]


def test_own_page_text_survives_whitespace_and_unicode(session):
    outcome = import_file(
        OWN / "trams-vs-buses-vs-bicycles.txt", dry_run=False, status="published", max_bytes=10**6
    )
    comparison = db.session.scalars(
        sa.select(Comparison).where(Comparison.slug == outcome.slug)
    ).one()
    trams, _, bikes = comparison.options
    assert trams.description == "Rails, overhead wires and a fixed route."  # tab and CR gone
    assert bikes.description == "Door to door, on your own timetable, for the price of a lock."
    assert [c.text for c in bikes.pros] == [
        "Faster than either for trips under 5\u00a0km",
        "No fares, no timetable \u2014 \u00e9l\u00e9gant \N{BICYCLE}",
    ]
    assert comparison.intro == (
        "Getting across a mid-sized city without a car \u2014 three habits compared."
    )


def test_own_corpus_summary_and_a_second_capture_updates_in_place(cli):
    first = cli.invoke(args=["crowdpick", "import", str(OWN)])
    assert first.exit_code == 0, first.output
    outcomes = [e["outcome"] for e in OWN_EXPECTED.values()]
    summary = (
        f"Summary: {outcomes.count('imported')} imported, {outcomes.count('partial')} partial, "
        f"{outcomes.count('refused')} refused"
    )
    assert first.output.strip().splitlines()[-1] == summary
    # Two captures of the kettle page: one comparison, with the later capture's con.
    rows = db.session.scalar(sa.select(sa.func.count()).select_from(Comparison))
    assert rows == len({e["source"] for e in OWN_EXPECTED.values() if "source" in e}) == 4
    kettle = db.session.scalars(
        sa.select(Comparison).where(Comparison.source == "example.test/compare/kettle-vs-stovetop")
    ).one()
    assert [c.text for c in kettle.options[0].cons][-1] == "Loud while it heats"
    again = cli.invoke(args=["crowdpick", "import", str(OWN)])
    assert "(created)" not in again.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Comparison)) == rows


# --- the shared captures (../shared/corpus) ---------------------------------------------


def test_whole_corpus_summary_and_reimport_does_not_duplicate(cli, corpus_dir):
    first = cli.invoke(args=["crowdpick", "import", str(corpus_dir)])
    assert first.exit_code == 0, first.output
    counts = {
        k: sum(v["outcome"] == k for v in EXPECTED.values())
        for k in ("imported", "partial", "refused")
    }
    summary = (
        f"Summary: {counts['imported']} imported, {counts['partial']} partial, "
        f"{counts['refused']} refused"
    )
    assert first.output.strip().splitlines()[-1] == summary
    rows = db.session.scalar(sa.select(sa.func.count()).select_from(Comparison))
    again = cli.invoke(args=["crowdpick", "import", str(corpus_dir)])
    assert again.output.strip().splitlines()[-1] == summary
    assert "(created)" not in again.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Comparison)) == rows
    # Snapshots of one address (.v2, .v3, ...) update one comparison.
    sources = {
        _source_key(p) for p in corpus_dir.glob("*.txt") if EXPECTED[p.name]["outcome"] != "refused"
    }
    assert rows == len(sources)


def _source_key(path: Path) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    if first.startswith("URL:"):
        return first[4:].strip().replace("https://", "").replace("www.", "")
    return path.name.split(".")[0]


def test_specification_page(cli, corpus_dir):
    result = cli.invoke(
        args=[
            "crowdpick",
            "import",
            str(corpus_dir / "technical-leadership-vs-individual-contributor.txt"),
        ]
    )
    assert result.exit_code == 0
    comparison = db.session.scalars(sa.select(Comparison)).one()
    assert comparison.pick.name == "Technical Leadership"
    leader, contributor = comparison.options
    assert [t.slug for t in leader.tags] == ["project-management", "software-architecture"]
    assert [t.slug for t in contributor.tags] == ["career-development", "technical-leadership"]
