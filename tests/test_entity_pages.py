"""One page per row: ``[pages.NAME]`` makes a document per row of its query
from a MyST or reST template, with the row's columns as the page's
parameters; the pages are real documents (toctree, search, numref, kpis)
and are rebuilt, added and removed with their rows."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

HUBS = ["hubs/berkeley", "hubs/edinburgh", "hubs/nairobi", "hubs/toronto"]
REGIONS = ["regions/africa", "regions/europe", "regions/north-america"]


def main_text(project, page: str) -> str:
    soup = BeautifulSoup(project.html(page), "html.parser")
    for tip in soup.select(".kpi-tip"):
        tip.decompose()
    body = soup.select_one("div.body") or soup
    return " ".join(body.get_text(" ").split())


@pytest.fixture(scope="module")
def pages(built):
    return built("pages")


def test_a_page_per_row_with_the_rows_numbers(pages):
    assert pages.warnings == "", pages.warnings
    for docname in [*HUBS, *REGIONS, "hubs/index"]:
        assert (pages.outdir / f"{docname}.html").is_file(), docname
    edinburgh = main_text(pages, "hubs/edinburgh")
    # the title pattern (with Sphinx's smart quote)
    assert edinburgh.startswith("Université d\N{RIGHT SINGLE QUOTATION MARK}Édimbourg")
    # $name, $region from the row; $year from [params]; [$hub] and $hub in
    # SQL are the page's own hub, not the report-wide "nowhere"
    assert "Université d'Édimbourg is in Europe . In 2023 it had 650 users" in (
        edinburgh
    )
    assert "and 750 over every year" in edinburgh
    assert "650 Users in 2023" in edinburgh  # the card's :key: $hub
    assert "year users 2022 100 2023 650" in edinburgh  # the kpi-table's $hub
    toronto = main_text(pages, "hubs/toronto")
    assert "In 2023 it had 2,154 users, and 3,654 over every year" in toronto
    # a view that reads $hub reads the page's own too
    assert "Through a view: 3,654 users in all." in toronto
    assert "Through a view: 160 users in all." in main_text(pages, "hubs/nairobi")


def test_a_rest_template_gives_rest_pages(pages):
    europe = main_text(pages, "regions/europe")
    assert europe.startswith("The Europe region ¶ Hubs in this region: 1 .")
    assert "650 Users in this region" in europe
    america = main_text(pages, "regions/north-america")  # "North America", slugged
    assert "Hubs in this region: 2 ." in america
    assert "2,914 Users in this region" in america


def test_the_index_lists_every_page_in_the_toctree(pages):
    index = BeautifulSoup(pages.html("hubs/index"), "html.parser")
    links = [a["href"] for a in index.select("div.toctree-wrapper a")]
    assert links == ["nairobi.html", "berkeley.html", "toronto.html", "edinburgh.html"]
    root = BeautifulSoup(pages.html(), "html.parser")
    linked = {a["href"] for a in root.select("div.toctree-wrapper a")}
    assert {"hubs/index.html", "regions/africa.html", "hubs/toronto.html"} <= linked


def test_labels_are_made_unique_per_page(pages):
    soup = BeautifulSoup(pages.html("hubs/nairobi"), "html.parser")
    link = soup.select_one("a.reference span.std-numref").parent
    assert link["href"] == "#hubs-nairobi-users-table"
    assert soup.find(id="hubs-nairobi-users-table") is not None


def test_search_knows_every_page(pages):
    index = (pages.outdir / "searchindex.js").read_text("utf-8")
    for docname in [*HUBS, *REGIONS]:
        assert f'"{docname}"' in index, docname
    assert "Nairobi Hub" in index


def test_show_source_is_the_template(pages):
    source = pages.outdir / "_sources" / "hubs" / "toronto.md.txt"
    template = pages.srcdir / "_templates" / "hub.md"
    assert source.read_text("utf-8") == template.read_text("utf-8")
    assert not (pages.outdir / "_templates").exists()  # the template is no page
    # and no generated file went into the source directory
    assert (
        sorted(p.name for p in pages.srcdir.iterdir())
        == sorted(
            ["_build", "_templates", "conf.py", "data", "grantreport.toml", "index.md"]
        )
        or not (pages.srcdir / "hubs").exists()
    )
    assert not (pages.srcdir / "hubs").exists()


def test_kpis_json_lists_each_value_with_its_page(built):
    report = built("pages", "kpis")
    entries = json.loads((report.outdir / "kpis.json").read_text("utf-8"))
    by_key = {entry["key"]: entry for entry in entries}
    assert by_key["users_by_hub[nairobi]"]["pages"] == ["hubs/nairobi"]
    assert by_key["users_by_hub[nairobi]"]["value"] == 120
    # one metric computed with each page's $hub: an entry per page
    toronto = by_key["hub_users@hubs/toronto"]
    assert toronto["value"] == 3654 and toronto["pages"] == ["hubs/toronto"]
    assert toronto["params"] == {"hub": "toronto"}
    assert by_key["hub_users@hubs/nairobi"]["value"] == 160


def test_parallel_builds_give_the_same_pages(project, tmp_path):
    serial = project("pages", "serial")
    serial.build()
    parallel = project("pages", "parallel")
    parallel.build(parallel=2)
    assert parallel.warnings == ""
    for docname in [*HUBS, *REGIONS]:
        assert main_text(serial, docname) == main_text(parallel, docname)


# --- incremental ---------------------------------------------------------------


def edit(path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def rebuilt(project):
    report = project("pages")
    report.build()
    assert report.warnings == ""
    return report


def test_a_noop_rebuild_reads_nothing(rebuilt):
    rebuilt.build()
    assert rebuilt.read_docs == []


def test_a_changed_row_rebuilds_its_page_and_the_index(rebuilt):
    edit(rebuilt.srcdir / "data" / "hubs.csv", "Nairobi Hub", "Nairobi Campus")
    rebuilt.build()
    # the region pages read hubs.csv too (count of hubs per region)
    assert sorted(rebuilt.read_docs) == sorted(["hubs/nairobi", "hubs/index", *REGIONS])
    assert main_text(rebuilt, "hubs/nairobi").startswith("Nairobi Campus ¶")


def test_a_data_change_rebuilds_the_pages_whose_values_it_feeds(rebuilt):
    edit(rebuilt.srcdir / "data" / "usage.csv", "nairobi,2023,120", "nairobi,2023,130")
    rebuilt.build()
    # every hub page reads usage.csv (its keyed metric), as do region pages
    assert sorted(rebuilt.read_docs) == sorted([*HUBS, *REGIONS])
    assert "In 2023 it had 130 users" in main_text(rebuilt, "hubs/nairobi")


def test_a_new_row_adds_a_page_and_a_removed_row_removes_it(rebuilt):
    hubs = rebuilt.srcdir / "data" / "hubs.csv"
    usage = rebuilt.srcdir / "data" / "usage.csv"
    with hubs.open("a", encoding="utf-8") as out:
        out.write("lagos,Lagos Hub,Africa,200\n")
    with usage.open("a", encoding="utf-8") as out:
        out.write("lagos,2023,55\n")
    rebuilt.build()
    assert "hubs/lagos" in rebuilt.read_docs and "hubs/index" in rebuilt.read_docs
    assert "In 2023 it had 55 users" in main_text(rebuilt, "hubs/lagos")
    edit(hubs, "lagos,Lagos Hub,Africa,200\n", "")
    rebuilt.build()
    assert not (rebuilt.outdir / "hubs" / "lagos.html").exists()
    assert not (rebuilt.outdir / "_sources" / "hubs" / "lagos.md.txt").exists()
    index = BeautifulSoup(rebuilt.html("hubs/index"), "html.parser")
    assert "lagos.html" not in {a["href"] for a in index.select("a")}
    assert '"hubs/lagos"' not in (rebuilt.outdir / "searchindex.js").read_text("utf-8")


def test_a_changed_template_rebuilds_every_page_of_its_set(rebuilt):
    template = rebuilt.srcdir / "_templates" / "hub.md"
    template.write_text(template.read_text("utf-8") + "\nA new line.\n", "utf-8")
    rebuilt.build()
    # the index is read again too: it is made in the template's syntax
    assert sorted(rebuilt.read_docs) == sorted([*HUBS, "hubs/index"])
    assert "A new line." in main_text(rebuilt, "hubs/berkeley")


# --- PDF -------------------------------------------------------------------------


def test_one_pdf_has_a_chapter_per_page(built):
    report = built("pages", "latex")
    tex = next(report.outdir.glob("*.tex")).read_text("utf-8")
    # the index is a chapter, its pages its sections; the regions chapters
    assert r"\chapter{Our hubs}" in tex
    assert r"\section{University of Toronto}" in tex
    assert r"\chapter{The Europe region}" in tex


def test_each_page_gets_a_pdf_of_its_own(project):
    report = project("pages")
    edit(
        report.srcdir / "grantreport.toml",
        'index_title = "Our hubs"',
        'index_title = "Our hubs"\npdf = "each"',
    )
    report.build("latex")
    assert report.warnings == ""
    own = report.outdir / "hubs-edinburgh.tex"
    tex = own.read_text("utf-8")
    assert r"\title{Université d'Édimbourg}" in tex or "Édimbourg" in tex
    assert "650" in tex
    assert sorted(p.name for p in report.outdir.glob("hubs-*.tex")) == [
        "hubs-berkeley.tex",
        "hubs-edinburgh.tex",
        "hubs-nairobi.tex",
        "hubs-toronto.tex",
    ]


@pytest.mark.tool_missing(shutil.which("latexmk") is None, reason="needs latexmk")
def test_both_pdf_forms_compile_with_latexmk(project):
    report = project("pages")
    edit(
        report.srcdir / "grantreport.toml",
        'index_title = "Our hubs"',
        'index_title = "Our hubs"\npdf = "each"',
    )
    report.build("latex")
    for tex in (
        "hubs-nairobi.tex",
        next(
            p.name
            for p in report.outdir.glob("*.tex")
            if not p.name.startswith("hubs-")
        ),
    ):
        subprocess.run(
            ["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", tex],
            cwd=report.outdir,
            check=True,
            capture_output=True,
            timeout=240,
        )
        assert (report.outdir / tex.replace(".tex", ".pdf")).stat().st_size > 1000
    text = subprocess.run(
        ["pdftotext", "hubs-nairobi.pdf", "-"],
        cwd=report.outdir,
        capture_output=True,
        text=True,
    ).stdout
    assert "Nairobi Hub" in text and "120" in text


# --- bad input -------------------------------------------------------------------

BAD = {
    "duplicate": (
        "sql = \"SELECT 'a b' AS hub UNION ALL SELECT 'a-b'\"\n"
        'template = "_templates/hub.md"\npath = "x/{hub}"\ntitle = "{hub}"\n',
        "two rows give the path 'x/a-b': the second is left out",
    ),
    "empty": (
        'sql = "SELECT hub FROM hubs WHERE false"\ntemplate = "_templates/hub.md"\n'
        'path = "x/{hub}"\ntitle = "{hub}"\n',
        "query returns no row: no page is made",
    ),
    "missing_template": (
        'sql = "SELECT hub FROM hubs"\ntemplate = "_templates/nope.md"\n'
        'path = "x/{hub}"\ntitle = "{hub}"\n',
        "template '_templates/nope.md' not found",
    ),
    "unknown_field": (
        'sql = "SELECT hub FROM hubs"\ntemplate = "_templates/hub.md"\n'
        'path = "x/{hub}"\ntitle = "{name}"\n',
        "path or title uses {name}, which its query does not return (columns: hub)",
    ),
    "bad_column": (
        'sql = "SELECT hub, name AS \\"full name\\" FROM hubs"\n'
        'template = "_templates/hub.md"\npath = "x/{hub}"\ntitle = "{hub}"\n',
        "column(s) 'full name' cannot be parameters",
    ),
    "template_is_a_page": (
        'sql = "SELECT hub FROM hubs"\ntemplate = "page_template.md"\n'
        'path = "x/{hub}"\ntitle = "{hub}"\n',
        "template 'page_template.md' is also a page of the report",
    ),
    "bad_path": (
        'sql = "SELECT hub FROM hubs"\ntemplate = "_templates/hub.md"\n'
        'path = "../{hub}"\ntitle = "{hub}"\n',
        "path '../{hub}' may hold letters, digits",
    ),
    "too_many": (
        'sql = "SELECT range AS hub FROM range(10001)"\n'
        'template = "_templates/hub.md"\npath = "x/{hub}"\ntitle = "{hub}"\n',
        "query returns 10,001 rows; a page set makes at most 10,000 pages",
    ),
    "bad_sql": (
        'sql = "SELECT hub FROM nowhere"\ntemplate = "_templates/hub.md"\n'
        'path = "x/{hub}"\ntitle = "{hub}"\n',
        "unknown table nowhere",
    ),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_page_sets_warn_at_their_line_and_the_rest_builds(project, case):
    report = project("pages")
    toml = report.srcdir / "grantreport.toml"
    before = toml.read_text("utf-8")
    line = before.count("\n") + 2
    entry, message = BAD[case]
    toml.write_text(before + f"\n[pages.bad]\n{entry}", encoding="utf-8")
    (report.srcdir / "page_template.md").write_text("A template.\n", "utf-8")
    report.build()
    found = [w for w in report.warnings.splitlines() if message in w]
    assert len(found) == 1, report.warnings
    assert re.search(rf"grantreport\.toml:{line}: WARNING: ", found[0]), found[0]
    assert re.search(r"\[grantreport\.\w+\]$", found[0])
    # the report and its other page sets still build
    assert "In 2023 it had 650 users" in main_text(report, "hubs/edinburgh")
    assert "Traceback" not in report.warnings


def test_titles_from_data_are_text_not_markup(project):
    report = project("pages")
    edit(
        report.srcdir / "data" / "hubs.csv",
        "Nairobi Hub",
        '"**bold** `x` {kpi}`hub_users` <b>"',
    )
    report.build()
    soup = BeautifulSoup(report.html("hubs/nairobi"), "html.parser")
    title = soup.select_one("h1")
    assert title.get_text().rstrip("¶") == "**bold** `x` {kpi}`hub_users` <b>"
    assert title.select("strong, code, b, .kpi-value") == []


# --- the second example: a page per community ------------------------------------

COMMUNITIES = Path(__file__).parent.parent / "docs" / "example-communities"


class Built:
    """A build of a source directory in place (its [tables] read the files of
    ../example), with its output and doctrees elsewhere."""

    def __init__(self, outdir: Path) -> None:
        self.outdir = outdir

    def html(self, page: str = "index") -> str:
        return (self.outdir / f"{page}.html").read_text("utf-8")


def test_the_communities_example_has_a_page_per_active_community(tmp_path):
    import sys

    import duckdb

    out = tmp_path / "html"
    command = [sys.executable, "-m", "sphinx", "-W", "--no-color", "-q", "-b", "html"]
    command += ["-d", str(tmp_path / "doctrees"), str(COMMUNITIES), str(out)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    report = Built(out)
    data = COMMUNITIES.parent / "example" / "data"
    rows = duckdb.sql(
        f"SELECT c.hub, c.name, u.users FROM read_csv('{data}/communities.csv') c "
        f"JOIN read_csv('{data}/monthly-users.csv') u ON u.hub = c.hub "
        "AND u.month = DATE '2023-12-01' WHERE c.departed IS NULL"
    ).fetchall()
    pages = sorted((report.outdir / "communities").glob("*.html"))
    assert len(pages) == len(rows) + 1 == 74  # and the index
    for hub, name, users in rows[:10]:
        text = main_text(report, f"communities/{hub}")
        assert text.startswith(name), hub
        assert f"{users:,} Monthly active users" in text, hub


NOOP = """
import sys
from sphinx.cmd.build import build_main
status = build_main(["-q", "-b", "html", sys.argv[1], sys.argv[2]])
print(status, "duckdb" in sys.modules)
"""


def test_a_noop_rebuild_reuses_the_pages_rows_without_duckdb(project):
    """The rows of the last build serve while the page set's definition and
    the files its query read are unchanged: a no-op rebuild opens no DuckDB
    (in the 1,000-page benchmark, 0.12 s of a 1.0 s rebuild)."""
    import sys

    report = project("pages")
    out = report.srcdir / "_build" / "html"
    command = [sys.executable, "-c", NOOP, str(report.srcdir), str(out)]
    run = lambda: subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: E731
    assert run().stdout.split() == ["0", "True"]
    assert run().stdout.split() == ["0", "False"]
    # a changed data file of the page set's query: its rows are read again
    edit(report.srcdir / "data" / "hubs.csv", "Nairobi Hub", "Nairobi Campus")
    first = run()
    assert first.stdout.split() == ["0", "True"]
    assert "Nairobi Campus" in (out / "hubs" / "nairobi.html").read_text("utf-8")
    # a warning about the rows is given again on a rebuild that reuses them
    toml = report.srcdir / "grantreport.toml"
    toml.write_text(
        toml.read_text("utf-8")
        + '\n[pages.empty]\nsql = "SELECT hub FROM hubs WHERE false"\n'
        'template = "_templates/hub.md"\npath = "e/{hub}"\ntitle = "{hub}"\n',
        encoding="utf-8",
    )
    assert "query returns no row" in run().stderr
    again = run()
    assert "query returns no row" in again.stderr
