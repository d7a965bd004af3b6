"""Data never injects into an output: no spreadsheet formula in a CSV, no
mathtext or broken XML in a chart, no roff request or Texinfo command in a man
page or an Info file, no typography that rewrites a value; and the files a
build writes for readers are whole and readable like Sphinx's own."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import stat
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from sphinx_grantreport import chart_files

needs_tex = pytest.mark.tool_missing(
    shutil.which("latexmk") is None or shutil.which("pdftotext") is None,
    reason="TeX is not installed: apt-get install latexmk texlive-latex-recommended "
    "texlive-latex-extra texlive-fonts-recommended tex-gyre texlive-xetex "
    "texlive-luatex fonts-freefont-otf poppler-utils",
)


def write_table(project, name: str, rows: list[tuple[object, ...]]) -> None:
    """A data file (JSON records, so that any text fits: quotes, line breaks,
    control characters) whose first row is the column names."""
    header, *body = rows
    records = [dict(zip(header, row, strict=True)) for row in body]
    path = project.srcdir / "data" / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(records), encoding="utf-8")


def figure(name: str, options: str, caption: str = "A chart.") -> str:
    return f":::{{kpi-figure}}\n:name: {name}\n{options.strip()}\n\n{caption}\n:::\n\n"


def page(project):
    return BeautifulSoup(project.html(), "html.parser")


def chart_svgs(project) -> list[Path]:
    return sorted((project.outdir / "_images").glob("kpi-chart-*.svg"))


def svg_texts(path: Path) -> list[str]:
    root = ET.parse(path).getroot()
    return [
        "".join(node.itertext())
        for node in root.iter("{http://www.w3.org/2000/svg}text")
    ]


# 1. Spreadsheet formulas ---------------------------------------------------

#: Text cells that a spreadsheet evaluates, and a plain one.
FORMULAS = [
    '=HYPERLINK("http://evil.example","click")',
    "+1+2",
    "-3+4",
    "@SUM(A1:A2)",
    "\tindented",
    "\rreturned",
    "plain text",
    "two\r=1+2 rows",  # a bare CR must not start a row (and a cell) in a spreadsheet
]


def read_csv(path: Path) -> list[list[str]]:
    """Rows as a spreadsheet splits them: a CR or LF outside quotes ends a row."""
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.reader(stream))


def test_csv_download_neutralises_formulas_and_keeps_numbers(project):
    built = project("output-safety")
    rows = [(text, -5 + index) for index, text in enumerate(FORMULAS)]
    write_table(built, "cells", [("label", "n"), *rows])
    built.write(
        "index.md",
        "# Cells\n\n"
        + figure("cells", ':sql: SELECT label, n AS "=n" FROM cells\n:download:'),
    )
    built.build()
    assert built.warnings == ""
    link = page(built).find("p", class_="kpi-figure-download").find("a")
    header, *cells = read_csv(built.outdir / link["href"])
    assert header == ["label", "'=n"]  # a column name is text too
    assert [label for label, _ in cells] == [
        *(f"'{formula}" for formula in FORMULAS[:-2]),
        *FORMULAS[-2:],
    ]
    assert [n for _, n in cells] == [str(-5 + i) for i in range(len(FORMULAS))]


def test_kpis_csv_neutralises_formulas_and_keeps_numbers(project):
    built = project("output-safety")
    cells = [("formula", "=1+2"), ("at", "@A1"), ("cr", "a\r-1+2")]
    write_table(built, "cells", [("id", "label"), *cells])
    metrics = {
        key: {"sql": f"SELECT label FROM cells WHERE id = '{key}'"} for key, _ in cells
    }
    metrics["negative"] = {"sql": "SELECT -5"}
    built.write(
        "index.md",
        "# Cells\n\n{kpi}`formula`, {kpi}`at`, {kpi}`cr` and {kpi}`negative`.\n",
    )
    built.build("kpis", confoverrides={"grantreport_metrics": metrics})
    assert built.warnings == ""
    header, *lines = read_csv(built.outdir / "kpis.csv")
    rows = {line[0]: dict(zip(header, line, strict=True)) for line in lines}
    assert list(rows) == ["at", "cr", "formula", "negative"]
    assert rows["formula"]["value"] == "'=1+2"
    assert rows["at"]["value"] == "'@A1"
    assert rows["cr"]["value"] == "a\r-1+2"  # one cell, quoted
    assert rows["negative"]["value"] == "-5"  # a number, not text
    # JSON is not a spreadsheet: it keeps the data as it is
    entries = json.loads((built.outdir / "kpis.json").read_text())
    assert {e["key"]: e["value"] for e in entries}["formula"] == "=1+2"


# 2. Mathtext ---------------------------------------------------------------


def _dollar_project(project):
    built = project("output-safety")
    write_table(
        built,
        "bands",
        [
            ("band", "kind", "n"),
            ("$10K-$50K", "$\\alpha$ grants", 3),
            ("$\\frac$", "$\\alpha$ grants", 4),
            ("$50K+", "$loans$", 2),
        ],
    )
    built.write(
        "index.md",
        "# Bands\n\n"
        + figure("plain", ":sql: SELECT band, n FROM bands\n:title: Cost $x$")
        + figure("series", ":data: bands\n:x: band\n:y: n\n:series: kind")
        + figure("groups", ":data: bands\n:x: band\n:y: n\n:color: kind"),
    )
    return built


def _assert_drawn_as_written(built) -> None:
    assert built.warnings == ""
    assert len(chart_svgs(built)) == 3
    texts = [text for svg in chart_svgs(built) for text in svg_texts(svg)]
    for label in ("$10K-$50K", "$\\frac$", "$50K+", "$\\alpha$ grants", "Cost $x$"):
        assert label in texts, label


def test_dollar_signs_in_data_are_drawn_as_written(project):
    built = _dollar_project(project)
    built.build()
    _assert_drawn_as_written(built)


def test_a_user_style_cannot_turn_mathtext_or_tex_on_for_data(project, tmp_path):
    built = _dollar_project(project)
    style = tmp_path / "math.mplstyle"
    style.write_text("text.parse_math: True\ntext.usetex: True\n")
    built.build(confoverrides={"grantreport_mpl_style": [str(style)]})
    _assert_drawn_as_written(built)


# 3. Control characters -----------------------------------------------------

CONTROL = "".join(map(chr, [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)]))
CONTROL += "\x7f\r"


def test_control_characters_in_data_give_well_formed_charts(project):
    built = project("output-safety")
    write_table(
        built,
        "dirty",
        [
            ("name", "group", "n"),
            (f"a{CONTROL}b", f"g{CONTROL[:8]}1", 3),
            ("tab\there", f"g{CONTROL[8:]}2", 4),
            ("two\nlines", "g3", 5),
        ],
    )
    built.write(
        "index.md",
        "# Dirty\n\n"
        + figure("bars", ":sql: SELECT name, n FROM dirty")
        + figure("series", ":data: dirty\n:x: name\n:y: n\n:series: group")
        + figure("groups", ":data: dirty\n:x: name\n:y: n\n:color: group")
        + figure("pie", ":sql: SELECT name, n FROM dirty\n:kind: pie"),
    )
    built.build()
    assert built.warnings == ""
    svgs = chart_svgs(built)
    assert len(svgs) == 4
    for svg in svgs:
        ET.parse(svg)  # well-formed XML
    controls = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
    for image in page(built).find_all("img"):
        assert not controls.search(image["alt"]), image["alt"]
    texts = "".join(text for svg in svgs for text in svg_texts(svg))
    assert "tab here" in texts  # a tab is a space (fonts have no glyph for it)
    assert "two\nlines" not in texts  # a line break is kept: two <text> lines
    assert "\N{REPLACEMENT CHARACTER}" in texts  # the rest is marked


@pytest.mark.filterwarnings("ignore:Glyph 1 .* missing from font")
def test_a_plot_function_that_breaks_the_svg_warns_instead(project):
    """Text a :plot: function draws is its own: if it makes the SVG malformed,
    the chart is refused with a warning, never shipped broken."""
    built = project("output-safety")
    write_table(built, "dirty", [("name", "n"), ("a\x01b", 3), ("c", 4)])
    built.write(
        "index.md",
        "# Dirty\n\n"
        + figure("plot", ":data: dirty\n:plot: plots:labelled\n:alt: Names."),
    )
    built.build()
    assert "[grantreport.plot]" in built.warnings
    assert "SVG" in built.warnings
    for svg in chart_svgs(built):
        ET.parse(svg)
    assert "figure unavailable" in built.html()


# 4. man and Texinfo --------------------------------------------------------

DOT_REQUEST = "x\n.so /etc/passwd"
TEXINFO_COMMAND = "@bye"


def _hostile_text_project(project):
    built = project("output-safety")
    write_table(
        built,
        "hostile",
        [
            ("id", "name", "n"),
            ("dot", DOT_REQUEST, 3),
            ("bye", TEXINFO_COMMAND, 4),
            ("lead", ".so /etc/passwd", 5),
            ("braces", "@{x}", 6),
        ],
    )
    built.write(
        "index.md",
        "# Hostile\n\n"
        "{kpi}`lead` leads a paragraph.\n\n"
        "Values: {kpi}`dot` and {kpi}`bye`.\n\n"
        ":::{kpi-card} It says {value}\n:metric: dot\n:::\n\n"
        + figure(
            "names",
            ":sql: SELECT name, n FROM hostile\n:x: name\n:y: n",
            # a caption is no paragraph: docutils escapes a "." after a line
            # break only in paragraphs
            "Names, as {kpi}`dot` and {kpi}`bye` say.",
        ),
    )
    metrics = {
        key: {"sql": f"SELECT name FROM hostile WHERE id = '{key}'"}
        for key in ("dot", "bye", "lead")
    }
    return built, {"grantreport_metrics": metrics}


def _unescaped_at_bye(texinfo: str) -> bool:
    """An @bye preceded by an even number of @ (none, or escaped @@ pairs)."""
    return re.search(r"(?<!@)(?:@@)*@bye", texinfo) is not None


def test_man_page_escapes_data_in_charts_and_values(project):
    built, conf = _hostile_text_project(project)
    built.build("man", confoverrides=conf)
    assert built.warnings == ""
    (man,) = built.outdir.glob("*.1")
    roff = man.read_text(encoding="utf-8")
    assert "[chart: Bar chart of n by name" in roff
    requests = [line for line in roff.splitlines() if line.startswith((".so", "'so"))]
    assert requests == []
    assert "so /etc/passwd" in roff  # shown, as text


def test_texinfo_escapes_data_in_charts_and_values(project):
    built, conf = _hostile_text_project(project)
    built.build("texinfo", confoverrides=conf)
    assert built.warnings == ""
    (texi,) = built.outdir.glob("*.texi")
    texinfo = texi.read_text(encoding="utf-8")
    assert "[chart: Bar chart of n by name" in texinfo
    body = texinfo.split("@node Top", 1)[1].rsplit("@bye", 1)[0]  # Sphinx's own end
    assert not _unescaped_at_bye(body)
    assert "@@bye" in body  # shown, as text
    assert "@@@{x@}" in body


def test_text_output_shows_the_chart_alt_text(project):
    built, conf = _hostile_text_project(project)
    built.build("text", confoverrides=conf)
    assert built.warnings == ""
    assert "[chart: Bar chart of n by name" in built.text()


# 5. Smart quotes -----------------------------------------------------------

QUOTED = "\"quoted\" -- text... 'single' --- end"


def test_smart_quotes_never_rewrite_a_value(project):
    built = project("output-safety")
    write_table(built, "quotes", [("id", "text"), ("q", QUOTED)])
    metrics = {"quoted": {"sql": "SELECT text FROM quotes"}}
    built.write(
        "index.md",
        '# Quotes\n\nThe "words" -- {kpi}`quoted` -- as written.\n\n'
        ":::{kpi-card} It says {value}\n:metric: quoted\n:::\n",
    )
    built.build(confoverrides={"grantreport_metrics": metrics})
    assert built.warnings == ""
    values = page(built).find_all("span", class_="kpi-value")
    assert [value.get_text() for value in values] == [QUOTED, QUOTED]
    # the page's own text still is educated: curly quotes and an en dash
    assert "\u201cwords\u201d \u2013" in page(built).get_text()
    built.build("kpis", confoverrides={"grantreport_metrics": metrics})
    (entry,) = json.loads((built.outdir / "kpis.json").read_text())
    assert entry["texts"] == [QUOTED]


# 6. A fall in print --------------------------------------------------------


@needs_tex
@pytest.mark.parametrize("engine", ["pdflatex", "xelatex", "lualatex"])
def test_a_fall_builds_to_pdf_in_every_engine(project, engine):
    built = project("output-safety")
    built.write(
        "index.md",
        "# Members\n\n:::{kpi-card} Members\n:sql: SELECT 80\n:compare: 100\n"
        ":compare-label: vs last year\n:::\n",
    )
    built.build("latex", confoverrides={"latex_engine": engine})
    assert built.warnings == ""
    subprocess.run(
        ["make", "LATEXMKOPTS=-halt-on-error -interaction=nonstopmode"],
        cwd=built.outdir,
        check=True,
        capture_output=True,
    )
    pdf = next(built.outdir.glob("*.tex")).with_suffix(".pdf")
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    text = " ".join(text.split())
    assert "\u221220% vs last year (a worsening)" in text, text  # U+2212


# 7. Permissions ------------------------------------------------------------


@pytest.mark.parametrize("umask", [0o022, 0o002])
def test_files_for_readers_follow_the_umask(project, umask):
    built = project("output-safety")
    write_table(built, "sizes", [("name", "n"), ("a", 1), ("b", 2)])
    built.write("index.md", "# Sizes\n\n" + figure("sizes", ":data: sizes\n:download:"))
    old = os.umask(umask)
    try:
        built.build()
    finally:
        os.umask(old)
    assert built.warnings == ""
    cache = Path(built.app.doctreedir) / chart_files.CACHE_DIR
    written = [
        *(built.outdir / "_downloads" / "grantreport").glob("*.csv"),
        *(built.outdir / "_images").glob("kpi-chart-*"),
        *cache.glob("kpi-chart-*"),
    ]
    assert len(written) == 3
    expected = 0o666 & ~umask
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) == expected, path
    assert not list(cache.glob("*.part"))  # no temporary file left behind


# 8. A damaged copy of a chart ---------------------------------------------


def test_a_cut_short_or_missing_chart_copy_is_repaired(project):
    built = project("output-safety")
    write_table(built, "sizes", [("name", "n"), ("a", 1), ("b", 2)])
    built.write(
        "index.md",
        "# Sizes\n\n"
        + figure("one", ":data: sizes\n:download:")
        + figure("two", ":data: sizes\n:kind: barh"),
    )
    built.build()
    first, second = chart_svgs(built)
    (download,) = (built.outdir / "_downloads" / "grantreport").glob("*.csv")
    whole, data = first.read_bytes(), download.read_bytes()
    first.write_bytes(whole[: len(whole) // 2])  # an interrupted copy
    download.write_bytes(data[:5])
    second.unlink()
    built.build(fresh=True)  # the doctree directory and its cache remain
    assert built.warnings == ""
    assert first.read_bytes() == whole
    cached = Path(built.app.doctreedir) / chart_files.CACHE_DIR / second.name
    assert second.read_bytes() == cached.read_bytes()
    assert download.read_bytes() == data


# 9. Thousands of categories ------------------------------------------------


def test_thousands_of_categories_are_refused_while_reading(project):
    built = project("output-safety")
    built.write(
        "index.md",
        "# Many\n\n"
        + figure(
            "many",
            ":sql: SELECT 'hub ' || i AS hub, i AS n FROM range(2000) t(i)",
        )
        + figure(
            "numbers",
            ":sql: SELECT i AS x, i * i AS y FROM range(2000) t(i)\n:kind: line",
        )
        + figure(
            "dates",
            ":sql: SELECT DATE '2020-01-01' + i::INT AS day, i AS n "
            "FROM range(2000) t(i)\n:kind: area",
        ),
    )
    built.build()
    warnings = built.warnings.strip().splitlines()
    assert len(warnings) == 1, warnings
    assert re.match(r".*index\.md:3: WARNING: .*2,000 categories", warnings[0])
    assert "aggregate" in warnings[0] and "LIMIT" in warnings[0]
    assert warnings[0].endswith("[grantreport.result]")
    assert built.html().count("figure unavailable") == 1
    assert len(chart_svgs(built)) == 2  # lines over numbers and dates are drawn
    # reported while the page is read: a builder that draws nothing says it too
    built.build("text", fresh=True)
    assert built.warnings.strip().splitlines() == warnings
