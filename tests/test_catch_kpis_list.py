"""sphinx-build -b kpis, read back column by column: kpis.csv through the csv
module and kpis.json, for a known metric of tests/roots/test-basic."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from io import StringIO
from pathlib import Path

import pytest
from sphinx.testing.util import SphinxTestApp

ROOT = Path(__file__).parent / "roots" / "test-basic"
HEADER = [
    "key",
    "metric",
    "metric_key",
    "value",
    "texts",
    "query",
    "params",
    "sources",
    "pages",
    "error",
    "kind",
    "views",
    "data_sha256",
    "label",
]
QUERY = "SELECT count(*) FROM communities WHERE status = 'active'"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    """test-basic built once with the kpis builder: (srcdir, outdir)."""
    srcdir = tmp_path_factory.mktemp("catch-kpis") / "src"
    shutil.copytree(ROOT, srcdir)
    warning = StringIO()
    app = SphinxTestApp("kpis", srcdir=srcdir, status=StringIO(), warning=warning)
    try:
        app.build()
    finally:
        app.cleanup()
    assert warning.getvalue() == ""
    return srcdir, Path(app.outdir)


def communities_source(srcdir: Path) -> dict:
    data = (srcdir / "data" / "communities.csv").read_bytes()
    return {
        "table": "communities",
        "file": "data/communities.csv",
        "sha256": hashlib.sha256(data).hexdigest(),
        "rows": data.decode("utf-8").count("\n") - 1,  # 83, without the header
    }


def csv_rows(outdir: Path) -> tuple[list[str], dict[str, dict[str, str]]]:
    with (outdir / "kpis.csv").open(encoding="utf-8", newline="") as stream:
        reader = csv.reader(stream)
        header = next(reader)
        rows = [dict(zip(header, row, strict=True)) for row in reader]
    return header, {row["key"]: row for row in rows}


def test_csv_has_the_exact_header(built):
    _, outdir = built
    header, _ = csv_rows(outdir)
    assert header == HEADER


def test_csv_row_of_a_metric_holds_its_value_texts_and_sources(built):
    srcdir, outdir = built
    _, rows = csv_rows(outdir)
    row = rows["active_communities"]
    assert row["metric"] == "active_communities"
    assert row["value"] == "73"  # the raw value, not the floored 70
    assert json.loads(row["texts"]) == ["70"]  # what readers see
    assert row["query"] == QUERY
    assert json.loads(row["params"]) == {}
    assert json.loads(row["sources"]) == [communities_source(srcdir)]
    assert json.loads(row["pages"]) == ["index", "rst_page"]
    assert row["error"] == ""


def test_csv_row_of_a_formatted_metric_keeps_the_raw_value(built):
    _, outdir = built
    _, rows = csv_rows(outdir)
    row = rows["funding_in_period"]
    assert json.loads(row["value"]) == 5634000.5
    assert json.loads(row["texts"]) == ["$5,634,000"]
    assert json.loads(row["params"]) == {"start": "2021-01-01", "end": "2023-12-31"}
    # a metric shown in two formats lists both texts
    assert json.loads(rows["total_funding"]["texts"]) == ["$6,034,000", "$6M"]


def test_json_entry_of_a_metric_holds_the_same(built):
    srcdir, outdir = built
    entries = json.loads((outdir / "kpis.json").read_text(encoding="utf-8"))
    by_key = {entry["key"]: entry for entry in entries}
    entry = by_key["active_communities"]
    assert list(entry) == HEADER  # the same fields, in the same order
    assert entry["value"] == 73
    assert entry["texts"] == ["70"]
    assert entry["query"] == QUERY
    assert entry["sources"] == [communities_source(srcdir)]
    assert entry["pages"] == ["index", "rst_page"]
    assert entry["error"] is None


def test_csv_and_json_list_the_same_entries(built):
    _, outdir = built
    entries = json.loads((outdir / "kpis.json").read_text(encoding="utf-8"))
    _, rows = csv_rows(outdir)
    assert list(rows) == [entry["key"] for entry in entries]
    for entry in entries:
        row = rows[entry["key"]]
        assert json.loads(row["sources"]) == entry["sources"]
        assert json.loads(row["texts"]) == entry["texts"]
