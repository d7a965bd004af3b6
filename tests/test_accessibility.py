"""Every reader (issue 15, item 9, WCAG 2.1 AA): the example report's pages
pass axe-core's WCAG 2.1 A and AA rules at desktop and phone widths, light
and dark; the keyboard stops at controls, not at every number; and a value's
"Source" toggletip opens, stays in the window, and closes with Esc.

axe-core is an npm package: CI installs it with
``npm install --prefix tests/node axe-core@4`` (see .ci/run); elsewhere the
axe tests skip, saying so, and fail under GRANTREPORT_REQUIRE_TOOLS=1."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import NEEDS_BROWSER

AXE = Path(
    os.environ.get(
        "GRANTREPORT_AXE",
        Path(__file__).parent / "node" / "node_modules" / "axe-core" / "axe.min.js",
    )
)
EXAMPLE = Path(__file__).parent.parent / "docs" / "example"
PAGES = ["index.html", "about-the-data.html"]
WIDTHS = [1280, 390]
SCHEMES = ["light", "dark"]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

pytestmark = NEEDS_BROWSER
needs_axe = pytest.mark.tool_missing(
    not AXE.is_file(),
    reason="needs axe-core: npm install --prefix tests/node axe-core@4",
)


@pytest.fixture(scope="module")
def example(built):
    result = built(EXAMPLE)
    return result.outdir


def open_page(browser, url: str, width: int, scheme: str = "light", **options):
    page = browser.new_page(
        viewport={"width": width, "height": 900}, color_scheme=scheme, **options
    )
    page.goto(url)
    return page


AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + ": "
      + n.failureSummary.replace(/\\s+/g, " ")),
  }));
}"""


@needs_axe
@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGES)
def test_pages_pass_axe_wcag_21_aa(browser, example, name, width, scheme):
    page = open_page(browser, (example / name).as_uri(), width, scheme)
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(AXE_RUN, WCAG_TAGS)
    # ... with a Source toggletip open, too
    page.locator(".kpi-tip-button").first.click()
    opened = page.evaluate(AXE_RUN, WCAG_TAGS)
    page.close()
    found = violations + [v for v in opened if v not in violations]
    report = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"])
        for v in found
    )
    assert not found, f"{name} at {width}px, {scheme}:\n{report}"


TAB_STOP = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  if (!el.dataset.tabStop) el.dataset.tabStop = String(Math.random());
  return {id: el.dataset.tabStop, tag: el.tagName.toLowerCase(),
          cls: el.className.baseVal ?? el.className,
          value: !!el.closest('.kpi-value')};
}"""


def test_keyboard_stops_at_controls_not_at_numbers(browser, example):
    page = open_page(browser, (example / "index.html").as_uri(), 1280)
    values = page.locator("span.kpi-value").count()
    buttons = page.locator("button.kpi-tip-button").count()
    stops: list[dict[str, str]] = []
    for _ in range(400):
        page.keyboard.press("Tab")
        stop = page.evaluate(TAB_STOP)
        if stop is None or (stops and stop["id"] == stops[0]["id"]):
            break
        stops.append(stop)
    page.close()
    assert values > 50 and stops
    assert not [stop for stop in stops if stop["value"]], "a number is a tab stop"
    tips = [stop for stop in stops if "kpi-tip-button" in stop["cls"]]
    assert len(tips) == buttons  # each Source button is reached
    assert buttons <= values / 2  # one per card or paragraph, not per number
    # the rest are links, summaries, the search box and scrolling regions
    kinds = {"a", "button", "summary", "input", "div"}
    assert {stop["tag"] for stop in stops} <= kinds, stops


TIP = """(button) => {
  const panel = document.getElementById(button.getAttribute('aria-controls'));
  const box = panel.getBoundingClientRect();
  return {expanded: button.getAttribute('aria-expanded'),
          shown: panel.getClientRects().length > 0,
          left: box.left, right: box.right,
          width: document.documentElement.clientWidth,
          focused: document.activeElement === button,
          text: panel.innerText};
}"""


@pytest.mark.parametrize("width", WIDTHS)
def test_source_toggletip_opens_stays_in_the_window_and_closes_on_esc(
    browser, example, width
):
    page = open_page(browser, (example / "index.html").as_uri(), width, "dark")
    for selector in (".kpi-card .kpi-tip-button", "p.kpi-source-line .kpi-tip-button"):
        button = page.locator(selector).first
        button.focus()
        assert button.evaluate(TIP)["shown"] is False
        page.keyboard.press("Enter")
        state = button.evaluate(TIP)
        assert state["expanded"] == "true" and state["shown"], selector
        assert "computed from data/" in state["text"]
        assert state["left"] >= 0 and state["right"] <= state["width"], state
        page.keyboard.press("Escape")
        state = button.evaluate(TIP)
        assert state["expanded"] == "false" and not state["shown"], selector
        assert state["focused"]
        # the mouse reaches the button, above a card's stretched link
        button.click()
        assert button.evaluate(TIP)["expanded"] == "true"
        button.click()
        assert button.evaluate(TIP)["expanded"] == "false"
    page.close()


def test_without_javascript_the_sources_are_text(browser, example):
    page = open_page(
        browser, (example / "index.html").as_uri(), 1280, java_script_enabled=False
    )
    button = page.locator(".kpi-tip-button").first
    assert not button.is_visible()
    assert page.locator(".kpi-tip-panel").first.is_visible()
    page.close()
