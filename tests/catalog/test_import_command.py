"""`flask crowdpick import`: bad files, dry runs, re-imports, summary and exit codes."""

from pathlib import Path

import pytest
import sqlalchemy as sa

from webapp.catalog.models import Comparison, Tag
from webapp.extensions import db

from .pages import render_page
from .test_parser import RICH

DEMO = Path(__file__).resolve().parents[2] / "webapp" / "catalog" / "demo"


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture()
def good(tmp_path) -> Path:
    path = tmp_path / "kettle-vs-stove.txt"
    path.write_text(RICH, encoding="utf-8")
    return path


def run(cli, *args):
    return cli.invoke(args=["crowdpick", "import", *map(str, args)])


def test_bad_files_are_named_in_one_line_each_and_the_rest_still_import(cli, tmp_path, good):
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10)
    (tmp_path / "latin1.txt").write_bytes("Caf\xe9 vs Th\xe9\n".encode("latin-1"))
    (tmp_path / "huge.txt").write_text(RICH + "x" * 2_000_000)
    result = run(cli, tmp_path)
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert "refused   empty.txt: empty file" in lines
    assert any(ln.startswith("refused   binary.txt: binary file") for ln in lines)
    assert any(ln.startswith("refused   latin1.txt: not UTF-8 text") for ln in lines)
    assert any(ln.startswith("refused   huge.txt: file too large") for ln in lines)
    assert any(ln.startswith("imported  kettle-vs-stove.txt -> /compare/") for ln in lines)
    assert lines[-1] == "Summary: 1 imported, 0 partial, 4 refused"
    assert count(Comparison) == 1


def test_nothing_importable_exits_non_zero(cli, tmp_path):
    (tmp_path / "empty.txt").write_text("   \n")
    result = run(cli, tmp_path / "empty.txt")
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == "Summary: 0 imported, 0 partial, 1 refused"


def test_missing_path_is_a_usage_error(cli, tmp_path):
    result = run(cli, tmp_path / "nope.txt")
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_no_arguments_is_a_usage_error(cli):
    assert run(cli).exit_code == 2


def test_dry_run_reports_but_writes_nothing(cli, good):
    result = cli.invoke(args=["crowdpick", "import", "--dry-run", str(good)])
    assert result.exit_code == 0
    assert "(would create)" in result.output
    assert result.output.strip().endswith("(dry run: nothing written)")
    assert count(Comparison) == 0 and count(Tag) == 0


def test_reimport_updates_in_place_and_keeps_ids(cli, good):
    run(cli, good)
    first = db.session.scalars(sa.select(Comparison)).one()
    ids = {o.name: o.id for o in first.options}
    claim_ids = sorted(c.id for o in first.options for c in o.claims)
    good.write_text(RICH.replace("Does one job", "Does exactly one job"), encoding="utf-8")
    result = run(cli, good)
    assert "(updated)" in result.output
    db.session.expire_all()
    again = db.session.scalars(sa.select(Comparison)).one()
    assert {o.name: o.id for o in again.options} == ids
    assert sorted(c.id for o in again.options for c in o.claims) == claim_ids
    assert again.options[0].cons[0].text == "Does exactly one job"


def test_reimport_with_swapped_order_and_pick(cli, tmp_path, good):
    run(cli, good)
    kettle = ("Kettle", "Fast water.", ["Boils fast"], ["Does one job"], ["kitchen"])
    stove = ("Stove", "Any pot.", ["Cooks meals"], ["Slower"], ["kitchen"])
    other = tmp_path / "kettle-vs-stove.v2.txt"
    other.write_text(render_page([stove, kettle], pick="Stove"), encoding="utf-8")
    result = run(cli, other)
    assert "(updated)" in result.output, result.output
    db.session.expire_all()
    comparison = db.session.scalars(sa.select(Comparison)).one()
    assert comparison.title == "Stove vs Kettle"
    assert [o.name for o in comparison.options] == ["Stove", "Kettle"]
    assert comparison.pick.name == "Stove"


def test_same_title_from_another_source_gets_its_own_slug(cli, tmp_path, good):
    run(cli, good)
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text(
        RICH.replace("example.test/compare/kettle-vs-stove", "example.test/compare/other"),
        encoding="utf-8",
    )
    run(cli, elsewhere)
    assert sorted(db.session.scalars(sa.select(Comparison.slug))) == [
        "kettle-vs-stove",
        "kettle-vs-stove-2",
    ]


def test_draft_flag(cli, good):
    run(cli, "--draft", good)
    assert db.session.scalars(sa.select(Comparison.status)).one() == "draft"


def test_overlong_title_is_refused_with_a_reason(cli, tmp_path):
    path = tmp_path / "long.txt"
    path.write_text(RICH.replace("Kettle vs Stove", "Kettle vs " + "Stove" * 80), encoding="utf-8")
    result = run(cli, path)
    assert result.exit_code == 1
    assert "refused   long.txt:" in result.output


def test_demo_content_imports_whole(cli):
    result = run(cli, DEMO)
    assert result.exit_code == 0
    files = sorted(DEMO.glob("*.txt"))
    assert len(files) >= 6
    assert (
        result.output.strip().splitlines()[-1]
        == f"Summary: {len(files)} imported, 0 partial, 0 refused"
    )
    comparisons = db.session.scalars(sa.select(Comparison)).all()
    assert any(len(c.options) >= 3 for c in comparisons)
    assert any(
        len({(len(o.pros), len(o.cons)) for o in c.options}) > 1
        and all(len(o.pros) >= 3 for o in c.options)
        for c in comparisons
    )
