"""``kpi-cards``: one card per row of a query, or per key of a keyed metric,
in a sphinx-design grid, in HTML, text and PDF."""

from __future__ import annotations

import json
import re

import pytest
from bs4 import BeautifulSoup


def cards(html: str) -> list[list[str]]:
    """Per grid, the words of each card (without its Source toggletip)."""
    page = BeautifulSoup(html, "html.parser")
    for tip in page.select(".kpi-tip"):
        tip.decompose()
    return [
        [" ".join(card.get_text(" ").split()) for card in grid.select(".kpi-card")]
        for grid in page.select(".kpi-cards")
    ]


@pytest.fixture(scope="module")
def keyed(built):
    return built("keyed")


def test_one_card_per_row_with_title_value_change_and_target(keyed):
    assert keyed.warnings == ""
    by_row, by_key = cards(keyed.html("cards"))
    assert by_row == [
        "2,154 Toronto ▲ +44% vs 2022 (an improvement) 86% of the target of 2,500",
        "760 Berkeley ▼ \N{MINUS SIGN}5% vs 2022 (a worsening) "
        "76% of the target of 1,000",
        "650 Edinburgh ▲ +550% vs 2022 (an improvement) 72% of the target of 900",
        "305 Columbia ▲ +45% vs 2022 (an improvement) 76% of the target of 400",
        "120 Nairobi ▲ +200% vs 2022 (an improvement) 40% of the target of 300",
    ]
    # a keyed metric: its format and rounding, a sentence title, and keys in
    # a stable order (its query has no ORDER BY)
    assert by_key == [
        "760 users at berkeley",
        "300 users at columbia",
        "650 users at edinburgh",
        "120 users at nairobi",
        "2,150 users at toronto",
    ]


def test_the_grid_takes_columns_as_sphinx_design_does(keyed):
    page = BeautifulSoup(keyed.html("cards"), "html.parser")
    first, second = page.select(".kpi-cards")
    assert "sd-row-cols-sm-2" in first["class"] and "sd-row-cols-lg-3" in first["class"]
    assert "sd-row-cols-2" in second["class"]
    assert all(item.select_one(".kpi-card") for item in first.select(".sd-col"))


def test_rest_gives_the_same_cards(keyed):
    (grid,) = cards(keyed.html("cards_rst"))
    assert grid[0] == "760 berkeley ▼ \N{MINUS SIGN}240 vs a thousand (a worsening)"
    assert grid[-1] == (
        # the change is that of the exact value, 2,154, not of the rounded one
        "2,150 toronto ▲ +1,154 vs a thousand (an improvement)"
    )


def test_each_card_is_in_kpis_json(built):
    report = built("keyed", "kpis")
    entries = json.loads((report.outdir / "kpis.json").read_text("utf-8"))
    rows = [entry for entry in entries if entry["key"].startswith("cards:7[")]
    assert [entry["key"] for entry in rows] == [
        "cards:7[Berkeley]",
        "cards:7[Columbia]",
        "cards:7[Edinburgh]",
        "cards:7[Nairobi]",
        "cards:7[Toronto]",
    ]
    assert rows[-1]["value"] == 2154 and rows[-1]["texts"] == ["2,154"]
    assert rows[-1]["sources"][0]["file"] in ("data/hubs.csv", "data/usage.csv")


def test_cards_read_in_text_and_latex(project):
    report = project("keyed")
    report.build("text")
    text = report.text("cards")
    assert "2,154" in text and "86% of the target of 2,500" in text
    assert "▲ +44% vs 2022 (an improvement)" in text
    report.build("latex")
    tex = next(report.outdir.glob("*.tex")).read_text("utf-8")
    assert tex.count(r"\begin{grantreportcard}") >= 15  # 5 + 5 + 5
    assert "86\\% of the target of 2,500" in tex
    # cards of a row keep one gap between them, also in a last row cut short
    # (an \hfill pushed the fifth card of three-a-row to the far side)
    assert r"\end{grantreportcard}\hfill" not in tex
    assert r"\end{grantreportcard}\hskip\dimexpr\grantreportcardsep\relax" in tex


BAD = {
    ":sql: SELECT 1 AS n": "kpi-cards with :sql: needs :value: COLUMN",
    ":sql: SELECT 1 AS n\n:value: m": ":value: m is not a column of the query "
    "(columns: n)",
    ":metric: hub_names": "kpi-cards :metric: needs a keyed metric",
    ":metric: nope": "'nope' is not defined",
    ":value: n": "kpi-cards needs exactly one of :metric: or :sql: (neither given)",
    ":sql: SELECT range AS n, 'x' AS name FROM range(300)\n:value: n": "kpi-cards "
    "would make 300 cards; a grid may have at most 200",
    ":sql: SELECT 1 AS n\n:value: n\n:title: {nope}": "title field {nope} is not "
    "allowed",
    ":sql: SELECT 1 AS n, 'a' AS name\n:value: n\n:compare: other": "'other' is "
    "neither a column of the query nor a number (columns: name)",
    ":sql: SELECT * FROM nowhere\n:value: n": "unknown table nowhere",
}


@pytest.mark.parametrize("options", BAD)
def test_bad_cards_warn_at_their_line(project, options):
    report = project("keyed")
    report.write(
        "cards.md",
        f"---\norphan: true\n---\n\n# Bad\n\n::::{{kpi-cards}}\n{options}\n::::\n",
    )
    report.build()
    found = [
        line
        for line in report.warnings.splitlines()
        if re.search(r"cards\.md:7: WARNING: ", line)
    ]
    assert len(found) == 1, report.warnings
    assert BAD[options] in found[0]
    assert "[grantreport." in found[0]
    assert "Traceback" not in report.warnings


def test_data_in_a_title_is_text_not_markup(project):
    report = project("keyed")
    hubs = report.srcdir / "data" / "hubs.csv"
    hubs.write_text(
        hubs.read_text("utf-8").replace("Toronto", "**bold** <b>x</b> {kpi}`users`"),
        encoding="utf-8",
    )
    report.build()
    page = BeautifulSoup(report.html("cards"), "html.parser")
    title = page.select(".kpi-cards .kpi-card-title")[0]
    assert title.get_text() == "**bold** <b>x</b> {kpi}`users`"
    assert title.select("strong, b") == []
