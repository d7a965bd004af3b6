"""The example report in docs/example builds warning-free, with numbers
computed from the real public data and the sample data it ships."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

EXAMPLE = Path(__file__).parent.parent / "docs" / "example"
PAGES = ("index.html", "about-the-data.html")
REAL_DATA = (
    "hub-counts-monthly.csv",
    "hubs-at-checkpoints.csv",
    "upstream-prs.csv",
    "funds-by-type.csv",
)
SAMPLE_DATA = ("communities.csv", "monthly-users.csv", "funding.json", "staff.csv")

#: The text of the report that must not hold a hand-typed number: paragraphs
#: (the cards' titles and bodies, the dropdowns and the footnotes are made of
#: them), list items, definition lists, captions and headings.
PROSE = "p, li, dt, dd, figcaption, summary, h1, h2, h3, h4, h5, h6"


def _text(element) -> str:
    return re.sub(r"\s+", " ", element.get_text(" ")).strip()


@pytest.fixture(scope="module")
def example(built):
    """The example report, built once (HTML) for the tests that read it."""
    return built(EXAMPLE)


def _page(example, name: str = "index.html") -> BeautifulSoup:
    return BeautifulSoup((example.outdir / name).read_text(), "html.parser")


def test_example_report_builds_with_real_numbers(example):
    assert "WARNING" not in example.warnings
    page = _page(example)
    cards = [_text(card) for card in page.select(".kpi-card")]
    # 73 community hubs on 2023-12-31, floored to 70 (the seed report's "More than 70")
    assert cards[0].startswith("More than 70 Active Communities")
    # 317 merged pull requests in the top 25 repositories, floored to 300
    assert cards[2].startswith("More than 300 pull requests")
    # 175,000 + 330,745 + 1,083,541 without the printed Total row
    assert any(card.startswith("$1.5M Raised in the grant") for card in cards)
    text = _text(page)
    assert "up from 26 at our first checkpoint" in text
    assert "landed in 25 repositories of 7 open source communities" in text
    # The sample register reproduces the real hub counts at each month end.
    assert "Over the whole grant we served" in text


def test_example_report_figures_come_from_the_real_data(example):
    page = _page(example)
    providers = page.find(id="communities-by-provider")
    svg = (example.outdir / providers.find("img")["src"]).read_text()
    for total in (">26<", ">43<", ">73<"):  # non-staging hubs at the three checkpoints
        assert total in svg
    assert "Fig. 2" in providers.find("figcaption").get_text()


def test_example_report_has_no_hand_typed_number(example):
    """Every number a reader sees in the text is computed: once the computed
    values are taken out, no digit is left in the prose, the card titles and
    bodies, the captions or the headings of the pages' main body."""
    checked = 0
    for name in PAGES:
        body = _page(example, name).select_one("[role=main]")
        for removable in body.select(
            # computed values, in prose and cards
            "span.kpi-value,"
            # the "Source" toggletips: files, row counts, queries of the values
            " span.kpi-tip,"
            # footnote references [1] and the labels of the footnotes
            " a.footnote-reference, aside.footnote > span.label,"
            # "Fig. N" of captions and of {numref} references
            " span.caption-number, span.std-numref,"
            # the folded data tables of :table: (data, not prose)
            " table,"
            # a card's computed context: change, progress, trend, as-of date
            " p.kpi-card-delta, p.kpi-card-progress-text, svg.kpi-sparkline,"
            " p.kpi-card-as-of,"
            # the hidden copy of a linked card's title, for screen readers
            " a.sd-stretched-link"
        ):
            removable.decompose()
        for element in body.select(PROSE):
            # "2i2c" is the name of the organisation whose data we show.
            text = _text(element).replace("2i2c", "")
            assert not re.search(r"\d", text), f"{name}: hand-typed number in {text!r}"
            checked += 1
    assert checked > 50


def test_example_report_cards_and_figures_are_all_there(example):
    for name in PAGES:
        page = _page(example, name)
        assert not page.select(".kpi-unavailable"), name
        for card in page.select("div.kpi-card"):
            values = card.select("span.kpi-value")
            assert values, _text(card)
            assert not any("kpi-unavailable" in v["class"] for v in values)
        for figure in page.select("figure"):
            images = figure.select("img")
            assert images, f"{name}: figure without a chart: {_text(figure)}"
            for image in images:
                path = example.outdir / image["src"]
                assert path.is_file() and path.stat().st_size > 0, image["src"]
    page = _page(example)
    assert len(page.select("div.kpi-card")) >= 10
    assert len(page.select("figure")) >= 10
    assert page.select("div.sd-container-fluid div.kpi-card")  # cards in a grid
    downloads = page.select("a[download]")  # the :download: links
    assert downloads
    for link in downloads:
        assert (example.outdir / link["href"]).is_file()
    assert page.select("details table")  # a :table: folded under its figure


def test_make_data_reproduces_the_sample_data(tmp_path):
    """make_data.py writes the committed sample files, byte for byte, and
    leaves the real data alone."""
    copy = tmp_path / "example"
    shutil.copytree(EXAMPLE, copy, ignore=shutil.ignore_patterns("_build"))
    for name in SAMPLE_DATA:
        (copy / "data" / name).unlink()
    subprocess.run([sys.executable, "make_data.py"], cwd=copy, check=True)
    for name in SAMPLE_DATA + REAL_DATA:
        made, committed = copy / "data" / name, EXAMPLE / "data" / name
        assert made.read_bytes() == committed.read_bytes(), name


def test_read_the_docs_builds_the_docs_and_the_example_pdf():
    import yaml

    root = Path(__file__).parent.parent
    docs = yaml.safe_load((root / ".readthedocs.yaml").read_text())
    example = yaml.safe_load((root / "docs/example/.readthedocs.yaml").read_text())
    assert docs["sphinx"]["configuration"] == "docs/conf.py"
    assert example["sphinx"]["configuration"] == "docs/example/conf.py"
    assert example["formats"] == ["pdf"]
    for config in (docs, example):
        assert config["sphinx"]["fail_on_warning"] is True
        assert config["python"]["install"] == [{"method": "pip", "path": "."}]
