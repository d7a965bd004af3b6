"""A report written for the MyST Document Engine (mystmd) builds under
Sphinx: its folded notes, titled admonitions and abstract work, and what
does not carry over (front-matter abbreviations) is a located warning that
says what to write instead."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup


@pytest.fixture(scope="module")
def mystmd(built):
    return built("mystmd")


def _page(project, name: str = "index") -> BeautifulSoup:
    return BeautifulSoup(project.html(name), "html.parser")


def _text(element) -> str:
    return re.sub(r"\s+", " ", element.get_text(" ")).strip()


def test_only_the_front_matter_abbreviations_warn(mystmd):
    warnings = [line for line in mystmd.warnings.splitlines() if "WARNING" in line]
    assert len(warnings) == 1, mystmd.warnings
    (warning,) = warnings
    assert "index.md:1: WARNING:" in warning
    assert warning.endswith("[grantreport.mystmd]")
    assert "'abbreviations:'" in warning
    assert "{abbr}`WAUs (Weekly Active Users)`" in warning


def test_a_note_with_class_dropdown_is_a_folded_dropdown(mystmd):
    page = _page(mystmd)
    folds = page.select("details.sd-dropdown")
    titles = [_text(fold.select_one("summary")) for fold in folds]
    assert titles == ["A note on measurements", "Warning"]
    assert "The folded body of the note." in _text(folds[0])
    assert not folds[0].has_attr("open")
    # not also shown as an admonition, and the :name: still links to it
    assert not page.select("div.admonition.dropdown")
    assert folds[1].get("id") == "folded-warning"


def test_a_titled_admonition_keeps_its_title(mystmd):
    page = _page(mystmd)
    tip = page.select_one("div.admonition.tip")
    assert _text(tip.select_one(".admonition-title")) == "A titled tip"
    assert "spaced" in tip["class"]
    assert _text(tip.select_one("p:not(.admonition-title)")) == (
        "The body of the titled tip."
    )
    # without an option block the first line is the body, as in myst-parser
    note = page.select("div.admonition.note")[-1]
    assert _text(note.select_one(".admonition-title")) == "Note"
    assert "A body on the first line" in _text(note)


def test_the_abstract_part_is_a_topic_up_to_the_next_break(mystmd):
    page = _page(mystmd)
    (abstract,) = page.select(".topic.abstract")
    assert _text(abstract.select_one(".topic-title")) == "Abstract"
    assert "This abstract says we are a team of two." in abstract.get_text()
    assert "The text after the abstract" not in _text(abstract)
    # a plain block break is left alone
    plain = _page(mystmd, "plain")
    assert not plain.select(".topic")
    assert "A plain note." in _text(plain.select_one("div.admonition.note"))


def test_rest_admonitions_are_unchanged(mystmd):
    page = _page(mystmd, "rest")
    first, second = page.select("div.admonition.note")
    assert _text(first.select_one(".admonition-title")) == "Note"
    assert "The first line of a reST note is its body, as always." in _text(first)
    assert [_text(li) for li in second.select("li")] == ["item one", "item two"]
    (fold,) = page.select("details.sd-dropdown")
    assert _text(fold.select_one("summary")) == "Warning"
    assert "A folded reST warning." in _text(fold)


def test_latex_builds_the_same_pages(built):
    latex = built("mystmd", "latex")
    warnings = [line for line in latex.warnings.splitlines() if "WARNING" in line]
    assert len(warnings) == 1 and "[grantreport.mystmd]" in warnings[0]
    tex = next(latex.outdir.glob("*.tex")).read_text()
    assert "A note on measurements" in tex
    assert "The folded body of the note." in tex
    assert "A titled tip" in tex
    assert "Abstract" in tex


def test_the_warning_can_be_suppressed(project):
    report = project("mystmd")
    report.build(confoverrides={"suppress_warnings": ["grantreport.mystmd"]})
    assert "WARNING" not in report.warnings
