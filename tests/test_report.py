"""A report's PDF and its web pages (issue 15): the title block's date,
figures where they are introduced and numbered as in HTML, a data appendix
that fits the page, the theme's options under another theme, the title once
and footnote references apart."""

from __future__ import annotations

import datetime
import re
import shutil
import subprocess

import pytest
from bs4 import BeautifulSoup
from test_latex import needs_tex, pdf_text, tex_of


def maketitle(tex: str) -> str:
    return tex.split(r"\sphinxmaketitle", 1)[0].rsplit(r"\begin{flushleft}", 1)[1]


def test_title_block_shows_the_report_date_from_the_setting(project):
    built = project("report")
    built.build("latex", confoverrides={"grantreport_date": datetime.date(2024, 3, 31)})
    assert "March 31, 2024" in tex_of(built)


def test_title_block_date_may_be_text(project):
    built = project("report")
    built.build("latex", confoverrides={"grantreport_date": "Spring 2024"})
    assert r"{\small Spring 2024\par}" in tex_of(built)


def test_title_block_uses_sphinx_today_when_set(project):
    built = project("report")
    built.build("latex", confoverrides={"today": "15 May 2024"})
    assert r"{\small 15 May 2024\par}" in tex_of(built)


def test_title_block_never_shows_the_build_day_unasked(built):
    tex = tex_of(built("report", "latex"))
    block = maketitle(tex)
    assert "@date" not in block
    today = datetime.date.today()
    assert str(today.year) not in block
    assert r"{\small" not in block  # no date line at all


def test_figures_stay_where_they_are_introduced(built):
    tex = tex_of(built("report", "latex"))
    assert tex.count(r"\begin{figure}[H]") == 3


def test_figure_placement_of_the_user_wins(project):
    built = project("report")
    built.build("latex", confoverrides={"latex_elements": {"figure_align": "tbp"}})
    assert tex_of(built).count(r"\begin{figure}[tbp]") == 3


def test_figures_are_numbered_through_the_report_as_in_html(built):
    html = built("report").html("results")
    assert "Fig. 3" in html and "Fig. 2.2" not in html
    assert r"\grantreportcontinuousnumbers" in tex_of(built("report", "latex"))


@needs_tex
def test_pdf_figure_numbers_match_the_html(built):
    text = " ".join(pdf_text(built("report", "latex")).split())
    assert "Fig. 1: Members at the end of each month." in text
    assert "Fig. 3: People by region." in text
    assert "more places (Fig. 2) and more people (Fig. 3)" in text
    assert not re.search(r"Fig\. \d+\.\d", text)


def test_sources_table_has_column_widths_and_small_type_in_latex(built):
    tex = tex_of(built("report", "latex"))
    assert r"\begin{sphinxuseclass}{kpi-sources-region}" in tex
    assert r"{\X{8}{50}\X{10}{50}\X{5}{50}\X{11}{50}\X{8}{50}\X{8}{50}}" in tex
    assert r"\sphinxcode{\sphinxupquote{data/monthly\sphinxhyphen{}users.csv}}" in tex


@needs_tex
def test_sources_table_fits_the_pdf_page(built):
    report = built("report", "latex")
    text = pdf_text(report)
    assert "SHA-256" in text
    log = next(report.outdir.glob("*.log")).read_text(errors="replace")
    assert "Overfull \\hbox" not in log


def test_sources_table_is_a_labelled_scrolling_region_in_html(built):
    page = BeautifulSoup(built("report").html("data"), "html.parser")
    region = page.select_one("div.kpi-sources-region")
    assert region["role"] == "region"
    assert region["aria-label"] == "Data sources"
    assert region["tabindex"] == "0"
    table = region.select_one("table.kpi-sources")
    (row,) = table.select("tbody tr")
    path = row.select_one("td.kpi-sources-file code")
    assert path.get_text() == "data/monthly-users.csv"
    days = [
        day.get_text() for day in row.select("td.kpi-sources-dates .kpi-sources-day")
    ]
    assert days == ["Jan 1, 2022 \N{EN DASH}", "Dec 1, 2023"]


def test_sources_css_keeps_dates_on_a_line_and_scrolls():
    from sphinx_grantreport.extension import CSS_FILE, STATIC_DIR

    css = (STATIC_DIR / CSS_FILE).read_text(encoding="utf-8")
    assert ".kpi-sources-region {" in css and "overflow-x: auto;" in css
    assert ".kpi-sources-day" in css


@pytest.mark.parametrize("theme", ["grantreport", "furo", "alabaster"])
def test_same_conf_builds_warning_free_under_other_themes(project, theme):
    built = project("report", name=f"report-{theme}")
    built.build("html", confoverrides={"html_theme": theme}, warningiserror=True)
    assert built.warnings == ""
    if theme == "grantreport":
        assert "Open Data Network" in built.html()


def test_unknown_theme_options_still_warn_under_another_theme(project):
    built = project("report")
    options = {"organisation": "Open Data Network", "no_such_option": "1"}
    built.build(
        "html", confoverrides={"html_theme": "furo", "html_theme_options": options}
    )
    assert "unsupported theme option 'no_such_option'" in built.warnings
    assert "organisation" not in built.warnings


def test_front_page_shows_its_title_once(built):
    page = BeautifulSoup(built("report").html(), "html.parser")
    (header_title,) = page.select("header h1.gr-report-title")
    assert header_title.get_text() == "Annual report 2024"
    assert page.select_one("div.gr-page")["class"] == ["gr-page", "gr-front"]
    css = (built("report").outdir / "_static" / "grantreport-theme.css").read_text()
    assert ".gr-front > .gr-body > section:first-of-type > h1:first-child" in css
    other = BeautifulSoup(built("report").html("results"), "html.parser")
    assert other.select_one("p.gr-report-title").get_text() == "Annual report 2024"
    assert [h1.get_text() for h1 in other.select("h1")] == ["Results¶"]


def test_adjacent_footnote_references_are_apart_in_html(built):
    page = BeautifulSoup(built("report").html(), "html.parser")
    first, second = page.select("a.footnote-reference")
    separator = first.next_sibling
    assert "gr-fn-sep" in separator["class"] and separator.get_text() == ","
    assert separator.next_sibling is second


def test_adjacent_footnote_references_are_apart_in_latex(built):
    tex = tex_of(built("report", "latex"))
    assert tex.count(r"\grantreportfootnotesep{}") == 1


@needs_tex
def test_adjacent_footnote_marks_read_as_two_in_the_pdf(built):
    text = pdf_text(built("report", "latex"))
    assert "astwosurveysshow.1,2" in text.replace(" ", "")


@needs_tex
@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler missing")
def test_report_pdf_renders(built):
    report = built("report", "latex")
    pdf_text(report)
    pdf = next(report.outdir.glob("*.tex")).with_suffix(".pdf")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "30", "-f", "1", "-l", "1", str(pdf), "page"],
        cwd=report.outdir,
        check=True,
    )
    assert list(report.outdir.glob("page*.png"))
