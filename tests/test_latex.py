"""PDF output: cards are framed boxes, figures vector PDFs, in every TeX engine."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

needs_tex = pytest.mark.tool_missing(
    shutil.which("latexmk") is None or shutil.which("pdftotext") is None,
    reason="TeX is not installed: apt-get install latexmk texlive-latex-recommended "
    "texlive-latex-extra texlive-fonts-recommended tex-gyre texlive-xetex "
    "texlive-luatex fonts-freefont-otf poppler-utils",
)


def tex_of(built) -> str:
    return next(built.outdir.glob("*.tex")).read_text(encoding="utf-8")


def test_cards_become_framed_boxes(project):
    built = project("basic")
    built.build("latex")
    assert built.warnings == ""
    tex = tex_of(built)
    assert tex.count(r"\begin{grantreportcard}") == 6
    # the two cards of a two-up grid share the line
    half = r"\begin{grantreportcard}{\dimexpr(\linewidth-1\grantreportcardsep)/2\relax}"
    assert tex.count(half) == 4
    assert r"\begin{grantreportcard}{\linewidth}" in tex
    assert r"\usepackage{sphinxgrantreport}" in tex
    assert (built.outdir / "sphinxgrantreport.sty").is_file()
    assert "example.org/kpis" in tex  # the card's link, visible in print


def test_placeholder_has_no_warning_sign_in_latex(project):
    bad = project("bad")
    bad.write("index.md", "# Page\n\nValue: {kpi}`nope`.\n")
    bad.build("latex")
    tex = tex_of(bad)
    assert "{[}metric unavailable{]}" in tex
    assert "⚠" not in tex


def pdf_text(built) -> str:
    """Compile with Sphinx's own Makefile (it picks the engine) and read the text."""
    subprocess.run(
        ["make", "LATEXMKOPTS=-halt-on-error -interaction=nonstopmode"],
        cwd=built.outdir,
        check=True,
        capture_output=True,
    )
    pdf = next(built.outdir.glob("*.tex")).with_suffix(".pdf")
    command = ["pdftotext", "-layout", str(pdf), "-"]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


@needs_tex
@pytest.mark.parametrize("engine", ["pdflatex", "xelatex", "lualatex"])
def test_pdf_has_every_value_with_title_and_body_apart(project, engine):
    built = project("basic")
    built.build("latex", confoverrides={"latex_engine": engine})
    text = pdf_text(built)
    lines = [line.strip() for line in text.splitlines()]
    for value in ("7.2K", "14", "$5,634,000", "$6,034,000"):
        assert any(value in line for line in lines), value
    title = next(
        i for i, line in enumerate(lines) if line.startswith("More than 70 Active")
    )
    assert lines[title + 1].startswith("See the latest data.")
    assert "Our platform serves 70 communities, with $6M raised." in text


@needs_tex
def test_pdf_figures_are_vector_and_numbered(project):
    built = project("figures")
    built.build("latex")
    text = pdf_text(built)
    assert "Communities are in Fig. 1, users in Fig. 2." in " ".join(text.split())
    assert "Fig. 7: Contracts by quarter." in " ".join(text.split())


REPORT = {
    "grantreport_latex_report": True,
    "grantreport_organisation": "Open Compute Collective",
    "grantreport_period": "January 2021 to December 2023",
    "project": "Three years & counting",
}


def test_report_look_uses_sections_and_a_title_block(built):
    tex = tex_of(built("basic", "latex", confoverrides=REPORT))
    assert "{sphinxhowto}" in tex
    assert r"\tableofcontents" not in tex
    assert r"{\Large Open Compute Collective\par}" in tex
    assert r"{\large January 2021 to December 2023\par}" in tex


def test_report_look_can_keep_the_table_of_contents(project):
    built = project("basic")
    built.build("latex", confoverrides={**REPORT, "grantreport_latex_toc": True})
    assert r"\sphinxtableofcontents" in tex_of(built)


@needs_tex
def test_report_pdf_opens_with_its_title_block(built):
    first_page = pdf_text(built("basic", "latex", confoverrides=REPORT)).split("\f")[0]
    lines = [line.strip() for line in first_page.splitlines() if line.strip()]
    assert lines[:3] == [
        "Three years & counting",
        "Open Compute Collective",
        "January 2021 to December 2023",
    ]
    assert "CONTENTS" not in first_page and "CHAPTER" not in first_page


@needs_tex
def test_every_node_compiles_to_pdf(built):
    every_node = built("every-node", "latex")
    assert every_node.warnings == ""
    text = " ".join(pdf_text(every_node).split())
    assert "We run 30 hubs for" in text
    assert "More than 30 hubs Hubs with at least one user." in text
    assert "Fig. 1.1: Users by region." in text
    assert "→ example.org/hubs" in text
    assert "+50% vs the first year (an improvement)" in text
    assert "60% of the target of 5" in text


@needs_tex
def test_example_report_compiles_to_pdf(tmp_path, make_app):
    example = Path(__file__).parent.parent / "docs" / "example"
    srcdir = tmp_path / "example"
    shutil.copytree(example, srcdir, ignore=shutil.ignore_patterns("_build"))
    app = make_app("latex", srcdir=srcdir)
    app.build()
    assert "WARNING" not in app.warning.getvalue()

    class Built:
        outdir = Path(app.outdir)

    text = pdf_text(Built)
    assert "More than 70 Active Communities" in text


def test_data_table_names_its_figure_in_print(built):
    tex = tex_of(built("every-node", "latex"))
    assert r"Data of Fig. \ref{\detokenize{charts:users-by-region}}" in tex
