"""Two clean builds of the example report give byte-identical pages, images
and kpis.json, with and without -j 2 (the example has too few pages for Sphinx
to split the reading; test_figures and test_incremental split it for real)."""

from __future__ import annotations

import shutil
from pathlib import Path

EXAMPLE = Path(__file__).parent.parent / "docs" / "example"


def build(tmp_path: Path, make_app, name: str, builder: str, parallel: int) -> dict:
    srcdir = tmp_path / name
    shutil.copytree(EXAMPLE, srcdir, ignore=shutil.ignore_patterns("_build"))
    app = make_app(builder, srcdir=srcdir, parallel=parallel)
    app.build()
    outdir = Path(app.outdir)
    app.cleanup()
    return {
        path.relative_to(outdir).as_posix(): path.read_bytes()
        for path in sorted(outdir.rglob("*"))
        if path.suffix in {".html", ".svg", ".json", ".csv"}
    }


def test_clean_builds_are_byte_identical(tmp_path, make_app, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1704067200")
    first = build(tmp_path, make_app, "first", "html", 0)
    second = build(tmp_path, make_app, "second", "html", 2)
    assert len(first) > 20
    assert first.keys() == second.keys()
    different = [name for name in first if first[name] != second[name]]
    assert different == []


def test_kpis_lists_are_byte_identical(tmp_path, make_app, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1704067200")
    first = build(tmp_path, make_app, "first", "kpis", 0)
    second = build(tmp_path, make_app, "second", "kpis", 2)
    assert set(first) == {"kpis.json", "kpis.csv"}
    assert first == second
