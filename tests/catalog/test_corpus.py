"""The importer over every captured page in ../shared/corpus, file by file, against an
expectations table written by reading the files (corpus_expectations.py)."""

from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import CORPUS
from webapp.catalog.importer.runner import import_file
from webapp.catalog.models import Comparison
from webapp.extensions import db

from .corpus_expectations import EXPECTED

FILES = sorted(p.name for p in CORPUS.glob("*.txt")) if CORPUS.is_dir() else []


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
}


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
