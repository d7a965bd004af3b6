"""Charts that read well (issue 15, item 4): room above the tallest stack,
one precision for the numbers a chart shows together, alt text in the words
of the axis labels, and a least width on screens (see test_chart_phone.py)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from babel import Locale
from bs4 import BeautifulSoup

from sphinx_grantreport import chart_drawing, chart_spec
from sphinx_grantreport.formatting import NumberStyle

SVG = "{http://www.w3.org/2000/svg}"
NUMBERS = NumberStyle(Locale("en"), "USD")


@pytest.fixture(scope="module")
def report(built):
    result = built("chart-readability")
    assert result.warnings == ""
    return result


def figure(report, name: str):
    page = BeautifulSoup(report.html(), "html.parser")
    return page.find(id=name)


def svg_texts(report, name: str) -> list[str]:
    src = figure(report, name).find("img")["src"]
    root = ET.parse(report.outdir / src).getroot()
    return ["".join(node.itertext()).strip() for node in root.iter(f"{SVG}text")]


def drawn(report, name: str, **changes: str):
    """The Figure that a figure of the built page is drawn from, drawn again
    from its stored data and options (and the changes)."""
    env_chart = next(
        node
        for node in report.app.env.get_doctree("index").findall(
            lambda n: n.tagname == "kpi_chart"
        )
        if node.parent.get("ids") == [name]
    )
    table = chart_spec.Table(tuple(env_chart["columns"]), env_chart["rows"])
    spec = chart_spec.parse_spec({**env_chart["options"], **changes})
    return chart_drawing.draw(chart_spec.prepare(table, spec), spec, NUMBERS)


def test_a_stack_with_an_empty_top_segment_has_room_above_it(report):
    tallest = 900_000 + 250_000  # its third segment is zero
    for kind, limits in (("bar", "get_ylim"), ("barh", "get_xlim")):
        axes = drawn(report, "stacked-funding", kind=kind).axes[0]
        low, high = sorted(getattr(axes, limits)())
        assert low == 0
        assert high >= 1.04 * tallest, (kind, high)


def test_value_labels_share_one_unit_and_precision(report):
    texts = svg_texts(report, "funding-sources")
    # 4.6M, 1.21M, 644,900 and 175,000: one unit, one fraction digit
    for label in ("$4.6M", "$1.2M", "$0.6M", "$0.2M"):
        assert label in texts, texts
    assert not [t for t in texts if t.endswith("K")], texts


def test_tick_labels_share_one_precision(report):
    axes = drawn(report, "stacked-funding").axes[0]
    figure = axes.figure
    figure.canvas.draw()
    low, high = axes.get_ylim()
    ticks = [
        label.get_text()
        for label, tick in zip(axes.get_yticklabels(), axes.get_yticks(), strict=True)
        if low <= tick <= high and label.get_text() not in ("$0", "")
    ]
    assert len(ticks) >= 3, ticks
    # every tick in one unit, with as many fraction digits as the others
    assert len({t[-1] for t in ticks}) == 1, ticks
    assert len({len(t.split(".")[1]) if "." in t else 0 for t in ticks}) == 1, ticks


@pytest.mark.parametrize(
    ("values", "spec", "texts"),
    [
        ([4.6e6, 644_900], "currency-compact", ["$4.6M", "$0.6M"]),
        ([0, 200_000, 800_000], "currency-compact", ["$0", "$200K", "$800K"]),
        ([0, 2.5, 5, 7.5], None, ["0.0", "2.5", "5.0", "7.5"]),
        ([37, 59], None, ["37", "59"]),
        ([12.5, 3], "currency", ["$12.50", "$3.00"]),
        ([0.25, 0.126], "percent", ["25%", "13%"]),  # the format's precision
        ([5e6, 300_000], "currency-compact:0", ["$5M", "$300K"]),  # as asked
        ([5e6, 3_000], "compact", ["5M", "3K"]),  # not "0.0M" for a bar of 3K
    ],
)
def test_numbers_shown_together_read_in_one_precision(values, spec, texts):
    assert chart_drawing.shared_texts(values, spec, NUMBERS) == texts


def test_alt_text_uses_the_axis_labels(report):
    alt = figure(report, "prs").find("img")["alt"]
    assert alt.startswith("Bar chart of Merged pull requests by Repository, 25 ")
    horizontal = figure(report, "prs-horizontal").find("img")["alt"]
    assert horizontal.startswith(
        "Horizontal bar chart of Merged pull requests by Repository, 25 "
    )
    # several series keep their names; the x label still names the categories
    table = chart_spec.Table(("year", "a", "b"), [(2021, 1, 2), (2022, 3, 4)])
    spec = chart_spec.parse_spec({"ylabel": "Communities", "xlabel": "Year"})
    text = chart_spec.describe(chart_spec.prepare(table, spec), spec, NUMBERS)
    assert text.startswith("Bar chart of a and b by Year, 2 values")


def test_charts_on_screens_keep_a_least_width_and_scroll(report):
    chart = figure(report, "prs")
    box = chart.find("div", class_="kpi-chart-scroll")
    assert box is not None and box["tabindex"] == "0"
    assert len(box.find_all("img")) == 2  # light and dark, both inside
    least = int(re.search(r"--kpi-chart-least: (\d+)px", box["style"])[1])
    head = (report.outdir / box.find("img")["src"]).read_text()[:2000]
    drawn_width = float(re.search(r'width="([0-9.]+)pt"', head)[1]) * 4 / 3
    assert least == round(drawn_width * 0.8)
    css = (report.outdir / "_static" / "grantreport.css").read_text()
    assert "min-width: var(--kpi-chart-least" in css
