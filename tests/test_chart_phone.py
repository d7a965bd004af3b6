"""Charts read on a phone (issue 15, item 4): at 390 px the text of a chart is
still at least 9 px tall, the chart scrolling sideways in its own box rather
than shrinking, and the page itself never scrolls sideways; on a desktop the
chart fits its column as before. Measured in Chromium through Playwright."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import NEEDS_BROWSER

pytestmark = NEEDS_BROWSER

#: Each visible chart image: its src, rendered width, and its box's width.
CHARTS = """() => [...document.querySelectorAll('img.kpi-chart')]
  .filter(img => img.getClientRects().length > 0)
  .map(img => ({
    src: img.getAttribute('src'),
    width: img.getBoundingClientRect().width,
    box: img.closest('.kpi-chart-scroll')?.clientWidth ?? null,
    scrolls: img.closest('.kpi-chart-scroll')
      ? img.closest('.kpi-chart-scroll').scrollWidth
        > img.closest('.kpi-chart-scroll').clientWidth
      : false,
  }))"""
PAGE = """() => ({scrollWidth: document.documentElement.scrollWidth,
  innerWidth: window.innerWidth})"""


@pytest.fixture(scope="module")
def report(built):
    result = built("chart-readability")
    assert result.warnings == ""
    return result


def smallest_text(svg: Path) -> tuple[float, float]:
    """The SVG's smallest font size and its width, both in its own units: an
    <img>'s SVG is not in the DOM, so its text is measured from the file."""
    text = svg.read_text(encoding="utf-8")
    sizes = [float(size) for size in re.findall(r"font-size: ?([0-9.]+)px", text)]
    view_box = re.search(r'viewBox="[0-9.]+ [0-9.]+ ([0-9.]+) [0-9.]+"', text)
    assert sizes and view_box
    return min(sizes), float(view_box[1])


def rendered_text_sizes(browser, report, width: int, scheme: str):
    page = browser.new_page(
        viewport={"width": width, "height": 900}, color_scheme=scheme
    )
    page.goto((report.outdir / "index.html").as_uri())
    charts = page.evaluate(CHARTS)
    layout = page.evaluate(PAGE)
    page.close()
    sizes = []
    for chart in charts:
        font, units = smallest_text(report.outdir / chart["src"])
        sizes.append(font * chart["width"] / units)  # CSS px of the smallest text
    return charts, sizes, layout


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_chart_text_reads_at_9px_on_a_phone(browser, report, scheme):
    charts, sizes, layout = rendered_text_sizes(browser, report, 390, scheme)
    assert len(charts) == 4
    if scheme == "dark":
        assert all(chart["src"].endswith("-dark.svg") for chart in charts)
    assert min(sizes) >= 9, sizes
    assert all(chart["scrolls"] for chart in charts)  # inside their own box
    assert layout["scrollWidth"] <= layout["innerWidth"], "the page stays put"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_charts_fit_their_column_on_a_desktop(browser, report, scheme):
    charts, sizes, layout = rendered_text_sizes(browser, report, 1280, scheme)
    assert len(charts) == 4
    assert not any(chart["scrolls"] for chart in charts)
    assert all(chart["width"] <= chart["box"] + 1 for chart in charts)
    assert min(sizes) >= 9, sizes
    assert layout["scrollWidth"] <= layout["innerWidth"]
