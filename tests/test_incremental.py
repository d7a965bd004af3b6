"""Rebuilds without -E re-read exactly the pages whose numbers changed;
parallel reads give the same pages as serial ones."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from bs4 import BeautifulSoup


def prose(html: str) -> str:
    return BeautifulSoup(html, "html.parser").get_text()


def touch_later(path: Path) -> None:
    """Make a file newer than the last build, whatever the clock resolution."""
    later = time.time() + 5
    os.utime(path, (later, later))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    touch_later(path)


@pytest.fixture
def basic(project):
    built = project("basic")
    built.build()
    assert sorted(built.read_docs) == ["index", "rst_page"]
    return built


def test_nothing_changed_reads_nothing(basic):
    basic.build()
    assert basic.read_docs == []


def test_changed_data_file_rebuilds_only_the_pages_using_it(basic):
    assert "7.2K" in basic.html()
    edit(
        basic.srcdir / "data" / "monthly-users.csv",
        "2023-12-01,7244",
        "2023-12-01,9344",
    )
    basic.build()
    assert basic.read_docs == ["index"]
    assert "9.3K" in basic.html()


def test_data_file_used_by_two_pages_rebuilds_both(basic):
    communities = basic.srcdir / "data" / "communities.csv"
    extra = "".join(f"new-{n},active,2024-01-01,false\n" for n in range(10))
    communities.write_text(communities.read_text(encoding="utf-8") + extra)
    touch_later(communities)
    basic.build()
    assert sorted(basic.read_docs) == ["index", "rst_page"]
    assert ">93<" in basic.html("rst_page")  # 83 + 10 rows
    assert "More than 80 Active Communities" in prose(basic.html())  # 83 active


def test_changed_metrics_file_rebuilds_pages_with_named_metrics(basic):
    edit(basic.srcdir / "kpis.toml", 'round = "floor:100"', 'round = "floor:1000"')
    basic.build()
    assert "index" in basic.read_docs
    assert "7K" in basic.html()


def test_changed_metric_function_rebuilds_its_pages(basic):
    edit(basic.srcdir / "kpis.py", "return 14", "return 15")
    basic.build()
    assert sorted(basic.read_docs) == ["index", "rst_page"]
    assert "We have 15 staff" in prose(basic.html("rst_page"))


def test_changed_metric_in_conf_rebuilds_everything(basic):
    basic.build(
        confoverrides={
            "grantreport_metrics": {"staff": {"sql": "SELECT 99"}},
        }
    )
    assert sorted(basic.read_docs) == ["index", "rst_page"]
    assert "We have 99 staff" in prose(basic.html("rst_page"))


def test_fixing_a_missing_data_file_rebuilds_the_page(project):
    bad = project("bad")
    bad.write("index.md", "# Page\n\nRows: {kpi}`late_rows`.\n")
    conf = {
        "grantreport_metrics": {"late_rows": {"sql": "SELECT count(*) FROM late"}},
        "grantreport_data": {"late": "data/late.csv"},
    }
    bad.build(confoverrides=conf)
    assert "data file for table 'late' not found" in bad.warnings
    bad.build(confoverrides=conf)
    assert bad.read_docs == ["index"]  # still broken: keeps warning on every build
    (bad.srcdir / "data" / "late.csv").write_text("x\n1\n2\n", encoding="utf-8")
    bad.build(confoverrides=conf)
    assert bad.read_docs == ["index"]
    assert "Rows: <span" in bad.html() and ">2</span>" in bad.html()


def test_parallel_build_gives_the_same_pages(project):
    pages = {}
    for name, parallel in (("serial", 0), ("parallel", 2)):
        built = project("basic", name)
        index = (built.srcdir / "index.md").read_text(encoding="utf-8")
        toctree = "\n".join(f"page{n}" for n in range(8))
        built.write("index.md", index.replace("rst_page\n", f"rst_page\n{toctree}\n"))
        for n in range(8):
            built.write(
                f"page{n}.md",
                f"# Page {n}\n\n{{kpi}}`active_communities` and {{kpi}}`staff`\n\n"
                f":::{{kpi-card}} Total {n}\n"
                f":sql: SELECT {n} + count(*) FROM communities\n:::\n",
            )
        built.build(parallel=parallel, fresh=True)
        assert built.warnings == ""
        if parallel:  # the reads really were split over worker processes
            assert " .. " in built.app.status.getvalue()  # "index .. page3" chunks
        pages[name] = {
            path.relative_to(built.outdir): path.read_text(encoding="utf-8")
            for path in built.outdir.glob("*.html")
        }
    assert pages["serial"].keys() == pages["parallel"].keys()
    for page, html in pages["serial"].items():
        assert pages["parallel"][page] == html, page


def test_data_file_outside_the_source_dir(project):
    built = project("basic")
    shared = built.srcdir.parent / "shared-data" / "grants.csv"
    shared.parent.mkdir()
    shared.write_text("amount\n100\n250\n", encoding="utf-8")
    built.write("index.md", "# Page\n\nGrants: {kpi}`grants`.\n")
    conf = {
        "grantreport_data": {"grants": "../shared-data/grants.csv"},
        "grantreport_metrics": {"grants": {"sql": "SELECT sum(amount) FROM grants"}},
    }
    built.build(confoverrides=conf)
    assert "Grants: 350." in prose(built.html())
    edit(shared, "250", "900")
    built.build(confoverrides=conf)
    assert "index" in built.read_docs
    assert "Grants: 1,000." in prose(built.html())


def test_changed_helper_of_a_metric_function_rebuilds_its_pages(basic):
    """A metric function's module and the source-dir modules it imports are
    all dependencies, and all re-read on the next build."""
    basic.write("team.py", "HEADCOUNT = 14\n")  # a constant: no function to follow
    basic.write(
        "kpis.py",
        "from team import HEADCOUNT\n\n\ndef staff_count():\n    return HEADCOUNT\n",
    )
    touch_later(basic.srcdir / "kpis.py")
    basic.build()
    assert "We have 14 staff" in prose(basic.html("rst_page"))
    edit(basic.srcdir / "team.py", "= 14", "= 16")
    basic.build()
    assert sorted(basic.read_docs) == ["index", "rst_page"]
    assert "We have 16 staff" in prose(basic.html("rst_page"))
