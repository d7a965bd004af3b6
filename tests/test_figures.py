"""kpi-figure: charts drawn from data, as real Sphinx figures, per builder."""

from __future__ import annotations

import os
import re
import time

import pytest
from bs4 import BeautifulSoup

from sphinx_grantreport import chart_files


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


@pytest.fixture
def drawn(monkeypatch) -> list[str]:
    """The charts drawn (not taken from the cache) during the test."""
    calls: list[str] = []
    render = chart_files.render

    def counting(builder, node, fmt, dark=False):
        calls.append(node["digest"] + ("-dark" if dark else ""))
        return render(builder, node, fmt, dark)

    monkeypatch.setattr(chart_files, "render", counting)
    return calls


@pytest.fixture(scope="module")
def shared(built):
    """The figures root built once (HTML) for the tests that only read it, with
    matplotlib's rcParams just before and after the build."""
    import matplotlib

    before = dict(matplotlib.rcParams)
    result = built("figures")
    result.rcparams = (before, dict(matplotlib.rcParams))
    return result


@pytest.fixture
def own(project, drawn):
    """The figures root built for one test, which may change and rebuild it."""
    result = project("figures")
    result.build()
    return result


def figure_by_id(page: BeautifulSoup, name: str):
    return page.find(id=name)


def svg_of(built, figure) -> str:
    src = figure.find("img")["src"]
    return (built.outdir / src).read_text(encoding="utf-8")


def test_builds_without_warnings(shared):
    assert shared.warnings == ""


def test_figures_are_numbered_captioned_and_referenced(shared):
    page = soup(shared.html())
    text = " ".join(page.get_text().split())
    assert "Communities are in Fig. 1, users in Fig. 2." in text
    figure = figure_by_id(page, "communities-by-year")
    assert figure.name == "figure"
    assert "align-center" in figure["class"]
    caption = " ".join(figure.find("figcaption").get_text().split())
    assert caption.startswith("Fig. 1 Communities that joined each year")
    assert figure.find("img")["src"].startswith("_images/kpi-chart-")


def test_alt_text_describes_the_chart(shared):
    figure = figure_by_id(soup(shared.html()), "communities-by-year")
    assert figure.find("img")["alt"] == (
        "Bar chart of total and marginalized by year, 3 values from 2021 to 2023; "
        "values range from 10 to 33."
    )
    prs = figure_by_id(soup(shared.html()), "prs-by-repository")
    assert (
        prs.find("img")["alt"]
        == "Merged pull requests per repository, coloured by organisation."
    )


def test_svg_has_the_series_labels_as_text(shared):
    page = soup(shared.html())
    svg = svg_of(shared, figure_by_id(page, "communities-by-year"))
    assert ">total<" in svg and ">marginalized<" in svg
    quarters = svg_of(shared, figure_by_id(page, "funding-by-quarter"))
    assert "2021" in quarters and "Q1" in quarters  # :xformat: quarter
    assert "$800K" in quarters  # :yformat: currency-compact
    assert ">Service contracts<" in quarters  # a :series: segment
    contracts = svg_of(shared, figure_by_id(page, "contracts-by-quarter"))
    assert ">New<" in contracts and ">Renewal<" in contracts
    prs = svg_of(shared, figure_by_id(page, "prs-by-repository"))
    assert ">executablebooks<" in prs  # the :color: legend
    users = svg_of(shared, figure_by_id(page, "weekly-users"))
    assert ">3.5K<" in users  # :labels: values in the :yformat:


def test_stacked_totals_are_labelled(shared):
    page = soup(shared.html())
    svg = svg_of(shared, figure_by_id(page, "contracts-by-quarter"))
    csv = (shared.srcdir / "data" / "contracts.csv").read_text().splitlines()[1:]
    first_quarter = sum(int(line.split(",")[2]) for line in csv[:2])
    assert f">{first_quarter}<" in svg


def test_every_kind_is_drawn(shared):
    page = soup(shared.html("kinds"))
    for kind in ("line", "area", "step", "scatter", "pie", "barh", "plot"):
        figure = figure_by_id(page, f"kind-{kind}")
        assert figure is not None, kind
        assert (shared.outdir / figure.find("img")["src"]).stat().st_size > 2000
    alt = figure_by_id(page, "kind-pie").find("img")["alt"]
    assert alt.startswith("Pie chart of amount by category")


def test_rest_figure_and_numref(shared):
    page = soup(shared.html("rst_page"))
    assert "See Fig. 15." in " ".join(page.get_text().split())
    assert figure_by_id(page, "rst-weekly-users").find("img") is not None


def test_download_and_table_give_the_data(shared):
    figure = figure_by_id(soup(shared.html()), "weekly-users")
    link = figure.find("p", class_="kpi-figure-download").find("a")
    csv = (shared.outdir / link["href"]).read_text()
    assert csv.splitlines()[:2] == ["checkpoint,users", "Grant start,310"]
    details = figure.find_next_sibling("details")
    assert details.summary.get_text().startswith("Data of Fig. ")
    cells = [td.get_text().strip() for td in details.find_all("td")]
    assert cells[:2] == ["Grant start", "310"]
    assert "3.5K" in cells  # numbers as the y axis shows them


def test_rendered_files_stay_out_of_the_source_tree(shared):
    outside_build = [
        path
        for path in shared.srcdir.rglob("kpi-*")
        if "_build" not in path.relative_to(shared.srcdir).parts
    ]
    assert outside_build == []
    assert (shared.outdir.parent / "doctrees" / "grantreport-charts").is_dir()


def test_unchanged_figures_are_not_redrawn(own, drawn):
    assert len(drawn) == 15  # alabaster has no dark mode: one variant each
    drawn.clear()
    own.build()
    assert drawn == []
    own.build(fresh=True)  # even a full rebuild takes charts from the cache
    assert drawn == []


def test_changed_data_redraws_exactly_the_figure_using_it(own, drawn):
    page = soup(own.html())
    old = figure_by_id(page, "contracts-by-quarter").find("img")["src"]
    contracts = own.srcdir / "data" / "contracts.csv"
    contracts.write_text(contracts.read_text().replace(",New,", ",Fresh,"))
    later = time.time() + 5
    os.utime(contracts, (later, later))
    drawn.clear()
    own.build()
    assert own.read_docs == ["index"]
    assert len(drawn) == 1
    new = figure_by_id(soup(own.html()), "contracts-by-quarter").find("img")["src"]
    assert new != old
    assert ">Fresh<" in (own.outdir / new).read_text()


def test_editing_a_helper_of_a_plot_function_redraws_its_chart(own, drawn):
    """The :plot: module's own imports from the source dir count too."""
    plots = own.srcdir / "plots.py"
    own.write(
        "plotting.py", "LABEL = 'staff on payroll'\n\ndef label():\n    return LABEL\n"
    )
    plots.write_text(
        "from plotting import label\n"
        + plots.read_text().replace('label="staff on payroll"', "label=label()")
    )
    later = time.time() + 5
    os.utime(plots, (later, later))
    own.build()
    old = figure_by_id(soup(own.html("kinds")), "kind-plot").find("img")["src"]
    helper = own.srcdir / "plotting.py"
    helper.write_text(helper.read_text().replace("staff on payroll", "people paid"))
    later += 5
    os.utime(helper, (later, later))
    drawn.clear()
    own.build()
    assert own.read_docs == ["kinds"]
    assert len(drawn) == 1
    new = figure_by_id(soup(own.html("kinds")), "kind-plot").find("img")["src"]
    assert new != old
    assert "people paid" in (own.outdir / new).read_text()


def test_two_clean_builds_give_identical_images(project, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    images = []
    for name in ("first", "second"):
        result = project("figures", name)
        result.build()
        images.append(
            {p.name: p.read_bytes() for p in (result.outdir / "_images").iterdir()}
        )
    assert images[0].keys() == images[1].keys()
    assert images[0] == images[1]
    assert not any(b"<dc:date>" in content for content in images[0].values())


def test_latex_gets_pdf_figures_with_labels(project):
    result = project("figures")
    result.build("latex")
    assert result.warnings == ""
    tex = next(result.outdir.glob("*.tex")).read_text()
    names = re.findall(
        r"\\sphinxincludegraphics(?:\[[^]]*\])?\{\{(kpi-chart-\w+)\}\.pdf\}", tex
    )
    assert len(names) == 15
    for name in names:
        assert (result.outdir / f"{name}.pdf").read_bytes().startswith(b"%PDF")
    assert r"\label{\detokenize{index:communities-by-year}}" in tex
    assert r"\ref{\detokenize{index:communities-by-year}}" in tex


def test_epub_gets_png_figures(project):
    result = project("figures")
    result.build("epub")
    pngs = list((result.outdir / "_images").glob("kpi-chart-*.png"))
    assert len(pngs) == 15
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in pngs)
    img = soup((result.outdir / "index.xhtml").read_text()).find(
        "img", class_="kpi-chart"
    )
    pixels = (result.outdir / img["src"]).read_bytes()[16:20]
    assert int(img["width"]) == int.from_bytes(pixels, "big") // 2  # drawn at 2x


def test_text_builder_shows_the_alt_text(project):
    result = project("figures")
    result.build("text")
    assert "[chart: Bar chart of total and marginalized by year" in result.text()


@pytest.mark.parametrize("builder", ["singlehtml", "dirhtml", "man", "texinfo"])
def test_other_builders_handle_figures(project, builder):
    result = project("figures")
    result.build(builder)
    assert result.warnings == ""


def test_user_style_goes_on_top_and_redraws_when_edited(project, drawn):
    result = project("figures")
    style = result.write(
        "report.mplstyle", "axes.prop_cycle: cycler('color', ['8E24AA'])\n"
    )
    result.build(confoverrides={"grantreport_mpl_style": "report.mplstyle"})
    assert result.warnings == ""
    page = soup(result.html())
    svg = svg_of(result, figure_by_id(page, "weekly-users"))
    assert "#8e24aa" in svg.lower()
    drawn.clear()
    style.write_text("axes.prop_cycle: cycler('color', ['00897B'])\n")
    later = time.time() + 5
    os.utime(style, (later, later))
    result.build(confoverrides={"grantreport_mpl_style": "report.mplstyle"})
    assert len(drawn) == 15
    svg = svg_of(result, figure_by_id(soup(result.html()), "weekly-users"))
    assert "#00897b" in svg.lower()


def test_drawing_leaves_the_users_rcparams_alone(shared):
    before, after = shared.rcparams
    assert {k: v for k, v in after.items() if before.get(k) != v} == {}


NO_MATPLOTLIB = """
import sys
from sphinx.cmd.build import build_main
status = build_main(["-q", "-b", "html", sys.argv[1], sys.argv[2]])
core = ["definitions", "engine", "metrics", "session", "formatting", "chart_spec"]
loaded = [name for name in core if f"sphinx_grantreport.{name}" in sys.modules]
print(status, "matplotlib" in sys.modules, "duckdb" in sys.modules, *loaded)
"""


@pytest.mark.parametrize("root", ["basic", "figures"])
def test_a_no_op_rebuild_loads_neither_duckdb_matplotlib_nor_metrics(project, root):
    import subprocess
    import sys

    result = project(root)
    out = result.srcdir / "_build" / "html"
    command = [sys.executable, "-c", NO_MATPLOTLIB, str(result.srcdir), str(out)]
    first = subprocess.run(command, capture_output=True, text=True, check=True)
    drew = "True" if root == "figures" else "False"
    assert first.stdout.split()[:3] == ["0", drew, "True"]
    assert "definitions" in first.stdout and "engine" in first.stdout
    again = subprocess.run(command, capture_output=True, text=True, check=True)
    # a no-op rebuild: no query engine, no drawing, not even the definitions
    # (conf.py's metrics) or the core that computes and formats values
    assert again.stdout.split() == ["0", "False", "False"]


EXTRA_PAGE = """# Extra {n}

:::{{kpi-figure}}
:data: prs
:x: repo
:y: merged
:title: Pull requests, page {n}
:::
"""


def test_parallel_build_gives_the_same_figures(project):
    outputs = []
    for name, parallel in (("serial", 0), ("parallel", 2)):
        result = project("figures", name)
        for n in range(6):  # enough pages for Sphinx to split the reading
            result.write(f"extra{n}.md", EXTRA_PAGE.format(n=n))
        index = result.srcdir / "index.md"
        pages = "".join(f"extra{n}\n" for n in range(6))
        index.write_text(index.read_text().replace("kinds\n", "kinds\n" + pages))
        result.build(parallel=parallel)
        assert result.warnings == ""
        outputs.append(
            {
                path.relative_to(result.outdir): path.read_bytes()
                for path in result.outdir.rglob("*")
                if path.suffix in {".html", ".svg"}
            }
        )
    assert outputs[0] == outputs[1]


@pytest.mark.parametrize("theme", ["grantreport", "furo"])
def test_themes_with_a_dark_mode_get_a_dark_variant_of_each_chart(project, theme):
    result = project("figures")
    result.build(confoverrides={"html_theme": theme})
    figure = figure_by_id(soup(result.html()), "communities-by-year")
    light, dark = figure.find_all("img")
    assert "kpi-chart-light" in light["class"] and "kpi-chart-dark" in dark["class"]
    assert light["alt"] == dark["alt"]
    assert dark["src"].endswith("-dark.svg")
    dark_svg = (result.outdir / dark["src"]).read_text()
    assert "#1f2328" in dark_svg  # the dark panel
    assert ">total<" in dark_svg  # the same data and labels


def test_a_light_only_theme_gets_one_variant_unless_asked(project):
    result = project("figures")
    result.build()  # alabaster
    assert len(figure_by_id(soup(result.html()), "weekly-users").find_all("img")) == 1
    result.build(confoverrides={"grantreport_dark_charts": True})
    assert len(figure_by_id(soup(result.html()), "weekly-users").find_all("img")) == 2
