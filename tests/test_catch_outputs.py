"""Numbers and charts read back from what each builder writes: every chart's
<img> leads to a real file from the page that shows it (html, dirhtml,
singlehtml, epub, pages in subfolders too), and the man page, the Texinfo
file and the singlehtml and dirhtml pages carry the computed numbers and the
charts."""

from __future__ import annotations

import posixpath
import re
import shutil
from io import StringIO
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sphinx.testing.util import SphinxTestApp

ROOTS = Path(__file__).parent / "roots"
_ESCAPES = re.compile(r"\x1b\[[0-9;]*m")


class Builds:
    """One copy of a test root, built with several builders in turn (sharing
    its doctree directory, and so its chart cache, as ``-M`` does)."""

    def __init__(self, srcdir: Path) -> None:
        self.srcdir = srcdir
        self.outdirs: dict[str, Path] = {}
        self.warnings: dict[str, str] = {}

    def build(self, buildername: str) -> None:
        warning = StringIO()
        app = SphinxTestApp(
            buildername, srcdir=self.srcdir, status=StringIO(), warning=warning
        )
        try:
            app.build()
        finally:
            app.cleanup()
        self.outdirs[buildername] = Path(app.outdir)
        self.warnings[buildername] = _ESCAPES.sub("", warning.getvalue())


def built(tmp_path_factory, root: str, builders: list[str]) -> Builds:
    srcdir = tmp_path_factory.mktemp(f"outputs-{root}") / root
    shutil.copytree(ROOTS / f"test-{root}", srcdir)
    builds = Builds(srcdir)
    for buildername in builders:
        builds.build(buildername)
    return builds


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def prose(path: Path) -> str:
    return " ".join(soup(path).get_text().split())


# -- the path of each chart, from the page that shows it ----------------------

PAGES_WITH_CHARTS = {
    # builder -> {page file (relative to outdir): charts on it}
    "html": {"index.html": 5, "sub/page.html": 1},
    "dirhtml": {"index.html": 5, "sub/page/index.html": 1},
    "singlehtml": {"index.html": 6},
    "epub": {"index.xhtml": 5, "sub/page.xhtml": 1},
}
MAGIC = {".svg": b"<?xml", ".png": b"\x89PNG"}


@pytest.fixture(scope="module")
def chart_builds(tmp_path_factory) -> Builds:
    return built(tmp_path_factory, "catch-charts", list(PAGES_WITH_CHARTS))


def chart_images(outdir: Path) -> dict[str, list[str]]:
    """Every page of the output: the src of each chart image on it."""
    pages = {}
    for page in sorted([*outdir.rglob("*.html"), *outdir.rglob("*.xhtml")]):
        sources = [img["src"] for img in soup(page).find_all("img", class_="kpi-chart")]
        if sources:
            pages[page.relative_to(outdir).as_posix()] = sources
    return pages


@pytest.mark.parametrize("builder", list(PAGES_WITH_CHARTS))
def test_every_chart_src_resolves_from_its_own_page(chart_builds, builder):
    outdir = chart_builds.outdirs[builder]
    pages = chart_images(outdir)
    assert {page: len(srcs) for page, srcs in pages.items()} == (
        PAGES_WITH_CHARTS[builder]
    )
    for page, sources in pages.items():
        for src in sources:
            assert "://" not in src and not src.startswith("/"), src
            # as a browser resolves it: relative to the folder of the page
            target = posixpath.normpath(posixpath.join(posixpath.dirname(page), src))
            assert not target.startswith("../"), f"{page}: {src} leaves the output"
            image = outdir / target
            assert image.is_file(), f"{page}: {src} -> {target} does not exist"
            assert image.read_bytes().startswith(MAGIC[image.suffix]), target


def test_dirhtml_charts_on_a_subfolder_page_go_up_to_the_images(chart_builds):
    outdir = chart_builds.outdirs["dirhtml"]
    (src,) = chart_images(outdir)["sub/page/index.html"]
    assert src.startswith("../../")  # sub/page/ is two folders below the root


def test_chart_builds_do_not_warn(chart_builds):
    for builder in ("html", "dirhtml", "singlehtml"):
        assert chart_builds.warnings[builder] == "", builder
    # epub warns of its own empty copyright and version, nothing else
    assert "grantreport" not in chart_builds.warnings["epub"]


# -- the numbers in man, texinfo, singlehtml and dirhtml ----------------------

TEXT_BUILDERS = ["man", "texinfo", "singlehtml", "dirhtml"]


@pytest.fixture(scope="module")
def basic_builds(tmp_path_factory) -> Builds:
    builds = built(tmp_path_factory, "basic", TEXT_BUILDERS)
    for builder in TEXT_BUILDERS:
        assert builds.warnings[builder] == "", builder
    return builds


def only_file(outdir: Path, pattern: str) -> str:
    (path,) = outdir.glob(pattern)
    return path.read_text(encoding="utf-8")


def test_man_page_shows_the_numbers(basic_builds):
    man = only_file(basic_builds.outdirs["man"], "*.1")
    assert "Our platform serves 70 communities, with $6M raised." in man
    assert "More than \\fB70\\fP Active Communities" in man  # the value in bold
    assert "\n7.2K\nMonthly active users\n" in man
    assert "\n14\nStaff\n" in man
    assert "\n$5,634,000\nFunding received in the period\n" in man
    assert "We have 14 staff and $6,034,000 in total." in man
    assert "\n83\nRows\n" in man
    # the card's link, visible (Sphinx 8 wraps it in a terminal hyperlink)
    assert re.search(r"→ (\\X'tty: link [^']*')?(\\fI\\%)?example\.org/kpis", man)
    assert "metric unavailable" not in man


def test_texinfo_shows_the_numbers(basic_builds):
    texi = only_file(basic_builds.outdirs["texinfo"], "*.texi")
    assert "Our platform serves 70 communities, with $6M raised." in texi
    assert "More than `70' Active Communities" in texi  # the value in bold
    assert "\n7.2K\n\nMonthly active users\n" in texi
    assert "\n14\n\nStaff\n" in texi
    assert "\n$5,634,000\n\nFunding received in the period\n" in texi
    assert "We have 14 staff and $6,034,000 in total." in texi
    assert "\n83\n\nRows\n" in texi
    assert "→ example.org/kpis" in texi
    assert "metric unavailable" not in texi


def card_texts(path: Path) -> list[str]:
    """What each card shows, without its "Source" toggletip."""
    page = soup(path)
    for tip in page.select(".kpi-tip"):
        tip.decompose()
    return [" ".join(card.get_text().split()) for card in page.select(".kpi-card")]


def test_singlehtml_shows_the_numbers_of_every_page(basic_builds):
    index = basic_builds.outdirs["singlehtml"] / "index.html"
    text = prose(index)
    assert "Our platform serves 70 communities, with $6M raised." in text
    assert "We have 14 staff and $6,034,000 in total." in text  # rst_page
    cards = card_texts(index)
    assert cards[0].startswith("More than 70 Active Communities")
    assert "7.2K Monthly active users" in cards
    assert "14 Staff" in cards
    assert "$5,634,000 Funding received in the period" in cards
    assert "83 Rows" in cards


def test_dirhtml_pages_show_their_numbers(basic_builds):
    outdir = basic_builds.outdirs["dirhtml"]
    index = outdir / "index.html"
    assert "Our platform serves 70 communities, with $6M raised." in prose(index)
    assert "7.2K Monthly active users" in card_texts(index)
    rst_page = outdir / "rst_page" / "index.html"
    assert "We have 14 staff and $6,034,000 in total." in prose(rst_page)
    assert "83 Rows" in card_texts(rst_page)


# -- the charts in man, texinfo, singlehtml and dirhtml -----------------------

CHARTS = 15  # in tests/roots/test-figures
FIRST_ALT = (
    "Bar chart of total and marginalized by year, 3 values from 2021 to 2023; "
    "values range from 10 to 33."
)


@pytest.fixture(scope="module")
def figure_builds(tmp_path_factory) -> Builds:
    builds = built(tmp_path_factory, "figures", TEXT_BUILDERS)
    for builder in TEXT_BUILDERS:
        assert builds.warnings[builder] == "", builder
    return builds


@pytest.mark.parametrize(
    ("builder", "pattern"), [("man", "*.1"), ("texinfo", "*.texi")]
)
def test_man_and_texinfo_give_each_chart_as_its_alt_text(
    figure_builds, builder, pattern
):
    text = only_file(figure_builds.outdirs[builder], pattern)
    assert text.count("[chart: ") == CHARTS
    assert f"[chart: {FIRST_ALT}]" in text
    own_alt = "Merged pull requests per repository, coloured by organisation."
    assert f"[chart: {own_alt}]" in text  # a chart's own :alt:
    assert "figure unavailable" not in text


def test_singlehtml_shows_every_chart_with_its_file(figure_builds):
    outdir = figure_builds.outdirs["singlehtml"]
    images = soup(outdir / "index.html").find_all("img", class_="kpi-chart")
    assert len(images) == CHARTS
    assert images[0]["alt"] == FIRST_ALT
    for img in images:
        svg = outdir / img["src"]  # the page is at the root of the output
        assert svg.is_file() and svg.read_bytes().startswith(b"<?xml"), img["src"]


def test_dirhtml_shows_every_chart_with_its_file(figure_builds):
    outdir = figure_builds.outdirs["dirhtml"]
    pages = chart_images(outdir)
    assert sorted(pages) == ["index.html", "kinds/index.html", "rst_page/index.html"]
    assert sum(map(len, pages.values())) == CHARTS
    for page, sources in pages.items():
        for src in sources:
            target = posixpath.normpath(posixpath.join(posixpath.dirname(page), src))
            assert (outdir / target).is_file(), f"{page}: {src}"
