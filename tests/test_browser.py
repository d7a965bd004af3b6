"""Cards and pages in a real browser (Debian's chromium, driven by Playwright),
under our theme and the themes users already have."""

from __future__ import annotations

import pytest
from conftest import NEEDS_BROWSER

pytestmark = NEEDS_BROWSER

LAYOUT_THEMES = [
    "grantreport",
    "alabaster",
    "furo",
    "pydata_sphinx_theme",
    "sphinx_book_theme",
    "sphinx_rtd_theme",
]
DARK_THEMES = ["grantreport", "furo", "pydata_sphinx_theme", "sphinx_book_theme"]

MEASURE = """() => {
  const cards = [...document.querySelectorAll('.sd-row .kpi-card')].slice(0, 2)
    .map(card => card.getBoundingClientRect().toJSON());
  const value = document.querySelector('.kpi-card-big .kpi-value')
    || document.querySelector('.kpi-card .kpi-value');
  const text = document.querySelector('main p, article p, .body p, [role=main] p');
  return {
    cards,
    scrollWidth: document.documentElement.scrollWidth,
    cardsRight: Math.max(...[...document.querySelectorAll('.kpi-card')]
      .map(card => card.getBoundingClientRect().right)),
    innerWidth: window.innerWidth,
    valueSize: parseFloat(getComputedStyle(value).fontSize),
    textSize: parseFloat(getComputedStyle(text).fontSize),
  };
}"""

COLOURS = """(selector) => {
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const colour = getComputedStyle(el).backgroundColor;
      if (colour !== 'rgba(0, 0, 0, 0)' && colour !== 'transparent') return colour;
    }
    return 'rgb(255, 255, 255)';
  };
  const el = document.querySelector(selector);
  return {text: getComputedStyle(el).color, background: background(el)};
}"""


def luminance(colour: str) -> float:
    parts = colour[colour.index("(") + 1 : colour.index(")")].split(",")
    channels = [float(part) / 255 for part in parts[:3]]
    linear = [
        c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels
    ]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.fixture(scope="module")
def themed(built):
    """The page of the every-node root under a theme, built once per theme for
    the whole module (the browser only reads it)."""

    def build(theme: str) -> str:
        result = built("every-node", name=theme, confoverrides={"html_theme": theme})
        assert "[grantreport" not in result.warnings
        return (result.outdir / "index.html").as_uri()

    return build


def open_page(browser, url: str, width: int, **options):
    page = browser.new_page(viewport={"width": width, "height": 900}, **options)
    page.goto(url)
    return page


@pytest.mark.parametrize("theme", LAYOUT_THEMES)
def test_two_up_cards_side_by_side_on_desktop_and_stacked_on_a_phone(
    browser, themed, theme
):
    url = themed(theme)
    desktop = open_page(browser, url, 1280).evaluate(MEASURE)
    first, second = desktop["cards"]
    assert abs(first["top"] - second["top"]) < 2, "side by side"
    assert second["left"] >= first["right"]
    assert desktop["valueSize"] >= 1.5 * desktop["textSize"]  # a big number

    phone = open_page(browser, url, 390).evaluate(MEASURE)
    first, second = phone["cards"]
    assert second["top"] >= first["bottom"], "stacked"
    assert phone["cardsRight"] <= phone["innerWidth"], "cards fit the phone"
    if theme == "grantreport":  # other themes' own headers are theirs to fit
        assert phone["scrollWidth"] <= phone["innerWidth"], "no sideways scrolling"


@pytest.mark.parametrize("theme", DARK_THEMES)
def test_dark_mode_is_dark_and_readable(browser, themed, theme):
    page = open_page(browser, themed(theme), 1280, color_scheme="dark")
    body = page.evaluate(COLOURS, "main p, article p, .body p")
    assert luminance(body["background"]) < 0.1, "a dark page"
    assert contrast(body["text"], body["background"]) >= 4.5
    for part in (".kpi-card-title", ".kpi-card-number .kpi-value", ".sd-card-text"):
        colours = page.evaluate(COLOURS, part)
        assert contrast(colours["text"], colours["background"]) >= 4.5, part


@pytest.mark.parametrize("theme", ["grantreport", "alabaster", "furo"])
def test_light_cards_are_readable(browser, themed, theme):
    page = open_page(browser, themed(theme), 1280, color_scheme="light")
    for part in (".kpi-card-title", ".kpi-card-number .kpi-value", ".sd-card-text"):
        colours = page.evaluate(COLOURS, part)
        assert contrast(colours["text"], colours["background"]) >= 4.5, part


VISIBLE_CHROME = """() => [...document.querySelectorAll(
    'nav, [role=navigation], [role=search], button, .headerlink, form')]
  .filter(el => el.getClientRects().length > 0
    && getComputedStyle(el).visibility !== 'hidden')
  .map(el => el.outerHTML.slice(0, 80))"""


def test_print_hides_navigation_and_keeps_the_report(browser, themed):
    page = open_page(browser, themed("grantreport"), 1280)
    page.emulate_media(media="print")
    assert page.evaluate(VISIBLE_CHROME) == []
    measure = page.evaluate(MEASURE)
    assert len(measure["cards"]) == 2  # the cards are still there
    text = page.evaluate(COLOURS, "main p, article p, .body p")
    assert luminance(text["text"]) < 0.05 and luminance(text["background"]) > 0.9


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_good_change_is_green_and_readable(browser, themed, scheme):
    page = open_page(browser, themed("grantreport"), 1280, color_scheme=scheme)
    colours = page.evaluate(COLOURS, ".kpi-delta-good")
    red, green, blue = (
        float(part)
        for part in colours["text"][colours["text"].index("(") + 1 : -1].split(",")[:3]
    )
    assert green > red and green > blue
    assert contrast(colours["text"], colours["background"]) >= 4.5
