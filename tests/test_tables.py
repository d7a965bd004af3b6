"""kpi-table: tables computed from data, in HTML, LaTeX and text."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from babel import Locale
from bs4 import BeautifulSoup

from sphinx_grantreport import table_spec
from sphinx_grantreport.errors import ReportError
from sphinx_grantreport.formatting import NumberStyle
from sphinx_grantreport.tables import KpiTableDirective

NUMBERS = NumberStyle(Locale.parse("en"))


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


@pytest.fixture(scope="module")
def shared(built):
    return built("tables")


def table(page: BeautifulSoup, name: str):
    return page.find("table", id=name)


def rows_of(node) -> list[list[str]]:
    return [
        [" ".join(cell.get_text().split()) for cell in row.find_all(["th", "td"])]
        for row in node.find_all("tr")
    ]


def test_builds_without_warnings(shared):
    assert shared.warnings == ""


def test_a_real_table_with_header_cells_caption_and_number(shared):
    page = soup(shared.html())
    prs = table(page, "prs-by-repo")
    caption = prs.find("caption")
    assert " ".join(caption.get_text().split()).startswith(
        "Table 1 Pull requests merged upstream, by repository"
    )
    assert [th["scope"] for th in prs.find("thead").find_all("th")] == ["col"] * 3
    body = prs.find("tbody").find_all("tr")
    assert all(row.find().name == "th" for row in body)
    assert {row.find()["scope"] for row in body} == {"row"}
    text = " ".join(page.get_text().split())
    assert "The biggest repositories are in Table 1, organisations in Table 3." in text


def test_numbers_are_right_aligned_and_text_is_not(shared):
    prs = table(soup(shared.html()), "prs-by-repo")
    header = prs.find("thead").find_all("th")
    assert ["kpi-table-number" in th["class"] for th in header] == [False, False, True]
    first = prs.find("tbody").find("tr").find_all(["th", "td"])
    assert ["kpi-table-number" in cell.get("class", []) for cell in first] == [
        False,
        False,
        True,
    ]


def test_limit_keeps_rows_and_sums_the_rest_and_total_sums_all(shared):
    rows = rows_of(table(soup(shared.html()), "prs-by-repo"))
    assert rows[0] == ["Repository", "Organisation", "Merged PRs"]
    assert [row[0] for row in rows[1:6]] == [
        "numpy",
        "pandas",
        "jupyter",
        "sphinx",
        "matplotlib",
    ]
    # 41 + 30 + 21 cut; the text column of the folded rows stays empty
    assert rows[6] == ["All other repositories", "", "92"]
    assert rows[7] == ["Total", "", "501"]
    assert len(rows) == 8


def test_others_row_without_total_sums_every_numeric_column(shared):
    rows = rows_of(table(soup(shared.html()), "orgs"))
    assert rows[0] == ["Organisation", "repos", "PRs"]  # repos keeps its name
    assert rows[-1] == ["All others", "2", "94"]  # default label


def test_bars_are_drawn_beside_their_number(shared):
    prs = table(soup(shared.html()), "prs-by-repo")
    cells = prs.select("td.kpi-table-bar-cell")
    widths = [cell.select_one(".kpi-table-bar > span")["style"] for cell in cells]
    assert widths == [
        "width: 100.0%",
        "width: 79.2%",
        "width: 66.7%",
        "width: 53.3%",
        "width: 41.7%",
    ]
    assert cells[1].get_text() == "95"  # the number is still text
    assert cells[1].select_one(".kpi-table-bar")["aria-hidden"] == "true"
    assert not prs.select(".kpi-table-others .kpi-table-bar")


def test_change_column_is_sorted_coloured_and_signed(shared):
    changes = table(soup(shared.html()), "changes")
    rows = rows_of(changes)
    assert [row[:2] for row in rows[1:]] == [
        ["xarray", "+30%"],
        ["numpy", "+25%"],
        ["scipy", "+10%"],
        ["sphinx", "+5%"],
        ["jupyter", "0%"],
        ["pandas", "-10%"],
        ["matplotlib", "-20%"],
        ["dask", ""],  # no value: last, whichever the order
    ]
    cells = [row.find_all(["th", "td"])[1] for row in changes.find("tbody")("tr")]
    classes = [
        next((c for c in cell.get("class", []) if c.startswith("kpi-delta")), None)
        for cell in cells
    ]
    assert classes == [*["kpi-delta-good"] * 4, None, *["kpi-delta-bad"] * 2, None]


def test_hostile_cells_are_text(shared):
    changes = table(soup(shared.html()), "changes")
    assert changes.find("b") is None
    notes = [row[2] for row in rows_of(changes)[1:]]
    assert "<b>bold</b> & \\textbf{x}" in notes
    assert '=HYPERLINK("http://evil")' in notes  # no smart quotes in data
    assert "*not emphasis* `code`" in notes
    assert "<b>bold</b>" not in shared.html()


def test_region_is_named_by_the_caption_and_says_its_sources(shared):
    page = soup(shared.html())
    region = table(page, "prs-by-repo").parent
    assert region["role"] == "region" and region["tabindex"] == "0"
    assert page.find(id=region["aria-labelledby"]).name == "caption"
    assert region["data-kpi-sources"].startswith("data/prs.csv (8 rows, sha256 ")
    assert (
        region["data-kpi-query"] == "SELECT repo, org, prs FROM prs ORDER BY prs DESC"
    )
    untitled = page.select("div.kpi-table-region")[3]
    assert untitled["aria-label"] == "Table"
    assert rows_of(untitled)[0] == ["repo", "prs"]
    assert [row[0] for row in rows_of(untitled)[1:]] == sorted(
        ["dask", "jupyter", "numpy", "pandas", "scipy", "sphinx"]
    )  # the view's rows since $since, sorted by :sort: repo


def test_download_is_named_after_the_table_and_neutralised(shared):
    page = soup(shared.html())
    links = page.select("p.kpi-table-download a")
    assert [" ".join(a.get_text().split()) for a in links] == [
        "Download the data of Table 1 (CSV)",
        "Download the data of Table 2 (CSV)",
    ]
    data = (shared.outdir / links[0]["href"]).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(data)))
    assert rows[0] == ["Repository", "Organisation", "Merged PRs"]
    assert len(rows) == 9  # every row, not only the five shown
    changes = (shared.outdir / links[1]["href"]).read_text(encoding="utf-8")
    notes = [row[2] for row in csv.reader(io.StringIO(changes))]
    assert '\'=HYPERLINK("http://evil")' in notes
    assert {"'@SUM(A1)", "'-2", "'+1"} <= set(notes)
    assert "-0.1" in changes  # a negative number stays a number


def test_rest_table_is_the_same_directive(shared):
    page = soup(shared.html("rst_page"))
    rows = rows_of(table(page, "rst-table"))
    assert rows == [
        ["Repository", "PRs"],
        ["numpy", "120"],
        ["pandas", "95"],
        ["jupyter", "80"],
        ["Total", "295"],
    ]
    assert "See Table 4." in " ".join(page.get_text().split())


@pytest.fixture(scope="module")
def latex(built) -> str:
    result = built("tables", "latex")
    assert result.warnings == ""
    return (result.outdir / "tables.tex").read_text(encoding="utf-8")


def test_latex_tables_are_longtables_with_a_repeated_header(latex):
    assert latex.count(r"\begin{longtable}") == 6
    assert latex.count(r"\endfirsthead") == 6 and latex.count(r"\endhead") == 6
    assert r"\begin{longtable}{llr}" in latex  # natural widths, numbers right
    assert r"\label{\detokenize{index:prs-by-repo}}" in latex


def test_a_wide_latex_table_wraps_within_the_line(latex):
    (spec,) = re.findall(r"\\begin\{longtable\}(\{\\X.*)", latex)
    assert spec.count(r"\X{") == 5
    assert spec.count(r">{\raggedleft\arraybackslash}") == 2  # the numbers


def test_latex_escapes_hostile_cells(latex):
    assert r"\textless{}b\textgreater{}bold" in latex
    assert r"\textbackslash{}textbf\{x\}" in latex
    assert "kpi-table-bar" not in latex


@pytest.mark.tool_missing(shutil.which("latexmk") is None, reason="needs latexmk")
def test_the_pdf_builds(built, tmp_path):
    result = built("tables", "latex")
    out = tmp_path / "latex"
    shutil.copytree(result.outdir, out)
    done = subprocess.run(
        ["latexmk", "-pdf", "-interaction=nonstopmode", "tables.tex"],
        cwd=out,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert (out / "tables.pdf").exists()


def test_text_output_is_a_readable_table(built):
    text = built("tables", "text").text()
    assert "| All other repositories |                 | 92         |" in text
    assert "| Total                  |                 | 501        |" in text
    assert "| pandas     | -10%   | <b>bold</b> & \\textbf{x}  |" in text


def test_kpis_builder_lists_each_table(built):
    result = built("tables", "kpis")
    entries = json.loads((result.outdir / "kpis.json").read_text(encoding="utf-8"))
    tables = [entry for entry in entries if entry["kind"] == "table"]
    assert len(tables) == 6
    first = next(entry for entry in tables if entry["key"] == "index:6")
    assert first["query"] == "SELECT repo, org, prs FROM prs ORDER BY prs DESC"
    assert first["texts"] == ["table of 8 rows"]
    assert first["sources"][0]["file"] == "data/prs.csv"
    assert len(first["data_sha256"]) == 64
    orgs = next(entry for entry in tables if entry["key"] == "index:28")
    assert orgs["params"] == {"since": "2023-01-01"}


#: (options, the warning's subtype, words of its message): one bad table each.
BAD = [
    ([], "option", "takes one of :sql:, :data: or :metric:, not none"),
    ([":sql: SELECT 1", ":data: prs"], "option", "not :sql: and :data:"),
    (
        [":sql: SELECT repo, prs FROM prs", ":columns: repo, nope"],
        "column",
        "unknown column 'nope' in :columns: (the query returns repo, prs)",
    ),
    (
        [":data: prs", ":formats: nope=integer"],
        "column",
        "unknown column 'nope' in :formats:",
    ),
    (
        [":data: prs", ":columns: repo", ":formats: prs=integer"],
        "column",
        "column 'prs' of :formats: is not among :columns:",
    ),
    (
        [":data: prs", ":formats: prs=bogus"],
        "format",
        ":formats: prs: unknown format 'bogus'",
    ),
    (
        [":data: prs", ":formats: org=integer"],
        "type",
        "column 'org': format 'integer' needs a number",
    ),
    (
        [":data: prs", ":total: org"],
        "type",
        "column 'org' of :total: holds values that are not numbers",
    ),
    (
        [":data: prs", ":total: repo"],
        "option",
        "the first column ('repo') holds the row labels",
    ),
    ([":data: prs", ":bar: nope"], "column", "unknown column 'nope' in :bar:"),
    ([":data: prs", ":sort: nope"], "column", "unknown column 'nope' in :sort:"),
    (
        [":data: prs", ":sort: prs sideways"],
        "option",
        "must be COLUMN, COLUMN asc or COLUMN desc",
    ),
    (
        [":data: prs", ":limit: 0"],
        "option",
        ":limit: must be a whole number from 1 to 1,000, not '0'",
    ),
    ([":data: prs", ":limit: ten"], "option", "not 'ten'"),
    (
        [":data: prs", ":good: change=sideways"],
        "option",
        ":good: change=sideways must say up or down",
    ),
    ([":sql: SELECT nope FROM prs"], "column", "nope"),
    ([":sql: SELECT * FROM nowhere"], "table", "nowhere"),
    ([":metric: staff"], "option", "metric 'staff' is computed by a function"),
    ([":metric: nope"], "metric", "unknown metric 'nope' in :metric:"),
]


def test_each_bad_table_is_a_located_warning_and_a_placeholder(project):
    bad = project("tables")
    lines, expected = ["# Bad", ""], []
    for options, subtype, words in BAD:
        expected.append((len(lines) + 1, subtype, words))
        lines += [":::{kpi-table} A bad table", *options, ":::", ""]
    bad.write("bad.md", "\n".join(lines))
    bad.build()
    warnings = bad.warnings.splitlines()
    for line, subtype, words in expected:
        found = [w for w in warnings if f"bad.md:{line}: WARNING:" in w]
        assert len(found) == 1, (line, words, warnings)
        assert words in found[0] and found[0].endswith(f"[grantreport.{subtype}]")
    assert "Traceback" not in bad.warnings
    page = soup(bad.html("bad"))
    placeholders = page.select("p.kpi-unavailable.kpi-table-unavailable")
    assert [p.get_text() for p in placeholders] == ["⚠ table unavailable"] * len(BAD)
    assert not page.select("table.kpi-table")


def test_too_many_rows_are_refused_unless_limited(project):
    big = project("tables")
    rows = "".join(f"r{n},{n}\n" for n in range(1001))
    big.write("data/big.csv", "name,n\n" + rows)
    big.write(
        "big.md",
        "# Big\n\n:::{kpi-table} All\n:data: big\n:::\n\n"
        ":::{kpi-table} Top\n:data: big\n:sort: n desc\n:limit: 3\n:download:\n:::\n",
    )
    big.build()
    assert (
        "big.md:3: WARNING: query returned 1,001 rows, more than a table shows "
        "(1,000): aggregate them in SQL, or show the first rows with :limit: "
        "[grantreport.result]"
    ) in big.warnings
    page = soup(big.html("big"))
    assert page.select("p.kpi-table-unavailable")
    assert rows_of(page.find("table"))[1:] == [
        ["r1000", "1,000"],
        ["r999", "999"],
        ["r998", "998"],
        ["All others", f"{sum(range(998)):,}"],
    ]
    href = page.select_one("p.kpi-table-download a")["href"]
    data = list(csv.reader(io.StringIO((big.outdir / href).read_text("utf-8"))))
    assert data[1:] == [["r1000", "1000"], ["r999", "999"], ["r998", "998"],
                        ["All others", str(sum(range(998)))]]  # fmt: skip


def test_a_changed_data_file_rebuilds_the_page(project):
    own = project("tables")
    own.build()
    own.build()
    assert own.read_docs == []
    data = own.srcdir / "data" / "prs.csv"
    data.write_text(
        data.read_text().replace("numpy,NumFOCUS,120", "numpy,NumFOCUS,220")
    )
    own.build()
    assert "index" in own.read_docs and "wide" in own.read_docs
    assert rows_of(table(soup(own.html()), "prs-by-repo"))[-1] == ["Total", "", "601"]


def test_the_reference_section_lists_the_options_from_the_code():
    assert set(KpiTableDirective.option_help) == set(KpiTableDirective.option_spec)
    reference = (Path(__file__).parent.parent / "docs" / "reference.md").read_text()
    section = reference.split("## `kpi-table`")[1].split("\n## ")[0]
    assert "```{grantreport-reference} kpi-table\n```" in section


def shape(columns, rows, numbers=NUMBERS, **options):
    return table_spec.shape(columns, rows, table_spec.parse_options(options), numbers)


def texts(cells) -> list[str]:
    return [cell.text for cell in cells]


def test_folded_rows_leave_columns_that_do_not_add_up_empty():
    shown = shape(
        ("name", "kind", "n", "share"),
        [("a", "x", 5, 0.5), ("b", "y", 3, 0.3), ("c", "z", 2, 0.2)],
        limit="1",
        total="n",
    )
    # only :total: columns add up in the others row: a share does not
    assert texts(shown.others) == ["All others", "", "5", ""]
    assert texts(shown.total) == ["Total", "", "10", ""]
    assert [c.number for c in shown.body[0]] == [False, False, True, True]


def test_sums_are_exact_and_empty_values_are_skipped():
    shown = shape(
        ("name", "amount"),
        [("a", Decimal("0.1")), ("b", None), ("c", Decimal("0.2"))],
        total="amount",
        formats="amount=number:2",
    )
    assert texts(shown.total) == ["Total", "0.30"]
    assert texts(shown.body[1]) == ["b", ""]
    assert table_spec.column_sum([0.1, 0.2, 0.3]) == 0.6


def test_an_all_empty_column_is_not_numeric():
    shown = shape(("name", "n"), [("a", None), ("b", None)])
    assert shown.numeric == (False, False)


def test_bars_scale_to_the_largest_shown_value():
    shown = shape(("name", "n"), [("a", 10), ("b", -5), ("c", 0)], bar="n")
    assert [row[1].bar for row in shown.body] == [1.0, 0.5, 0.0]


def test_sort_of_mixed_types_is_a_type_error():
    with pytest.raises(ReportError) as error:
        shape(("name", "n"), [("a", 1), ("b", "x")], sort="n")
    assert error.value.subtype == "type"


#: What the epub builder wants to hear (the other builders take it too).
EPUB_CONF = {"project": "Tables", "version": "1", "copyright": "2024"}


@pytest.mark.parametrize(
    "builder",
    ["dirhtml", "singlehtml", "epub", "man", "texinfo", "gettext", "xml", "pseudoxml"],
)
def test_every_builder_writes_the_tables_warning_free(built, builder):
    result = built("tables", builder, confoverrides=EPUB_CONF)
    assert result.warnings == "", result.warnings


def test_man_page_and_epub_show_the_numbers_without_bars(built):
    man = built("tables", "man")
    (page,) = man.outdir.glob("*.1")
    text = page.read_text(encoding="utf-8")
    assert "All other repositories" in text and "501" in text
    epub = built("tables", "epub", confoverrides=EPUB_CONF)
    html = (epub.outdir / "index.xhtml").read_text(encoding="utf-8")
    assert "kpi-table-bar" in html and "kpi-table-download" not in html
