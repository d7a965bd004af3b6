"""What the chart files really draw, read back from the SVG: stack totals as
text, scatter plots as markers without a line, line charts as one line."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from io import StringIO
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sphinx.testing.util import SphinxTestApp

ROOT = Path(__file__).parent / "roots" / "test-catch-charts"
SVG = "{http://www.w3.org/2000/svg}"
POINTS = 5  # rows of data/points.csv


@pytest.fixture(scope="module")
def outdir(tmp_path_factory) -> Path:
    """test-catch-charts built once as HTML, for every test of this module."""
    srcdir = tmp_path_factory.mktemp("catch-charts") / "src"
    shutil.copytree(ROOT, srcdir)
    warning = StringIO()
    app = SphinxTestApp("html", srcdir=srcdir, status=StringIO(), warning=warning)
    try:
        app.build()
    finally:
        app.cleanup()
    assert warning.getvalue() == ""
    return Path(app.outdir)


def chart(outdir: Path, figure_id: str) -> ET.Element:
    """The parsed SVG of a figure of the index page."""
    page = BeautifulSoup((outdir / "index.html").read_text("utf-8"), "html.parser")
    src = page.find(id=figure_id).find("img")["src"]
    return ET.parse(outdir / src).getroot()


def texts(svg: ET.Element) -> list[str]:
    """What the <text> elements say (the style writes text as text)."""
    return ["".join(node.itertext()).strip() for node in svg.iter(f"{SVG}text")]


def groups(svg: ET.Element, prefix: str) -> list[ET.Element]:
    """matplotlib's artist groups, such as line2d_3 or PathCollection_1."""
    return [g for g in svg.iter(f"{SVG}g") if g.get("id", "").startswith(prefix)]


def vertices(path: ET.Element) -> int:
    """How many points a <path> goes through (its M and L commands)."""
    return len(re.findall(r"[ML]", path.get("d", "")))


def polylines(svg: ET.Element) -> list[int]:
    """Vertex counts of the lines drawn through more than two points: a grid
    line or a tick has two, a plotted series one per data point."""
    counts = [
        vertices(path)
        for group in groups(svg, "line2d")
        for path in group.findall(f"{SVG}path")
    ]
    return [count for count in counts if count > 2]


def markers(svg: ET.Element, prefix: str) -> int:
    """<use> elements (stamped marker shapes) inside artist groups."""
    return sum(len(list(g.iter(f"{SVG}use"))) for g in groups(svg, prefix))


def test_stacked_totals_are_drawn_as_text_above_each_stack(outdir):
    shown = texts(chart(outdir, "contracts-with-totals"))
    # 20 + 17 and 30 + 29: neither is a tick of the 0, 10, 20 ... axis
    assert shown.count("37") == 1 and shown.count("59") == 1, shown
    # the segments themselves are not labelled with :labels: total
    assert "17" not in shown and "29" not in shown


def test_stacks_without_labels_show_no_totals(outdir):
    shown = texts(chart(outdir, "contracts-without-totals"))
    assert "37" not in shown and "59" not in shown, shown
    assert "New" in shown and "Renewal" in shown  # the legend is still there


def test_scatter_draws_one_marker_per_point_and_no_line(outdir):
    svg = chart(outdir, "points-scatter")
    assert len(groups(svg, "PathCollection")) == 1
    assert markers(svg, "PathCollection") == POINTS
    assert polylines(svg) == []  # nothing joins the points
    assert markers(svg, "line2d") == 0


def test_line_draws_one_line_through_every_point(outdir):
    svg = chart(outdir, "points-line")
    assert polylines(svg) == [POINTS]
    assert groups(svg, "PathCollection") == []
    # few points: each is marked on the line, in the line's own group
    assert markers(svg, "line2d") == POINTS
