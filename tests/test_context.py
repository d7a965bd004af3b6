"""A card's number in context: the change, the progress to a target, the trend."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup


@pytest.fixture
def built(project):
    result = project("context")
    result.build()
    return result


def cards(built) -> list:
    return BeautifulSoup(built.html(), "html.parser").select("div.kpi-card")


def words(element) -> str:
    return re.sub(r"\s+", " ", element.get_text(" ")).strip()


def test_builds_without_warnings(built):
    assert built.warnings == ""


def test_change_against_last_year_says_direction_and_whether_good(built):
    users, cost = cards(built)
    delta = users.select_one("p.kpi-card-delta")
    assert "kpi-delta-up" in delta["class"] and "kpi-delta-good" in delta["class"]
    assert words(delta) == "▲ +17% vs last year (an improvement)"
    # a fall in cost is good news with :down-is-good:, shown in the card's format
    delta = cost.select_one("p.kpi-card-delta")
    assert "kpi-delta-down" in delta["class"] and "kpi-delta-good" in delta["class"]
    assert words(delta) == "▼ \N{MINUS SIGN}$0.30 vs last year (an improvement)"


def test_progress_toward_a_target_as_a_bar_and_in_words(built):
    users = cards(built)[0]
    bar = users.select_one("div.kpi-progress")
    assert bar["role"] == "progressbar"
    assert bar["aria-valuenow"] == "73"
    assert bar.span["style"] == "width: 73%"
    assert words(users.select_one("p.kpi-card-progress-text")) == (
        "73% of the target of 10K"
    )


def test_trend_is_an_inline_svg_sparkline_with_a_label(built):
    svg = cards(built)[0].select_one("svg.kpi-sparkline")
    assert svg["aria-label"] == "Trend over 24 values, from 5K to 7.3K"
    assert len(svg.polyline["points"].split()) == 24
    assert svg.polyline["stroke"] == "currentColor"  # follows light and dark


def test_context_reads_in_text_and_latex(project):
    result = project("context")
    result.build("text")
    text = result.text()
    assert "▲ +17% vs last year (an improvement)" in text
    assert "73% of the target of 10K" in text
    assert "(Trend over 24 values, from 5K to 7.3K)" in text
    result.build("latex")
    tex = next(result.outdir.glob("*.tex")).read_text()
    assert r"\grantreportprogress{0.7270}" in tex
    assert "▲" not in tex


@pytest.mark.parametrize(
    ("options", "subtype", "message"),
    [
        (":compare: nope", "metric", "unknown metric 'nope'"),
        (":compare: SELECT 0", "result", ":compare: cannot give a percent change"),
        (":target: SELECT 'x'", "type", "needs a number, but the value is 'x'"),
        (":trend: SELECT 1", "result", ":trend: needs a query returning (x, y) rows"),
        (":trend: SELECT * FROM nowhere", "table", "unknown table nowhere"),
    ],
)
def test_bad_context_warns_and_keeps_the_number(project, options, subtype, message):
    result = project("context")
    result.write(
        "index.md",
        f"# Page\n\n:::{{kpi-card}} Users\n:metric: users\n{options}\n:::\n",
    )
    result.build()
    assert "index.md:3: WARNING: " in result.warnings
    assert message in result.warnings
    assert f"[grantreport.{subtype}]" in result.warnings
    assert ">7.3K<" in result.html()  # the number itself is fine
