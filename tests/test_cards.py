"""Cards and the {kpi} role, built in MyST and reST, read back from the HTML."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def card_texts(html: str) -> list[str]:
    """What each card shows, without its "Source" toggletip."""
    page = soup(html)
    for tip in page.select(".kpi-tip"):
        tip.decompose()
    return [" ".join(c.get_text(" ").split()) for c in page.select("div.kpi-card")]


@pytest.fixture
def basic(project):
    built = project("basic")
    built.build()
    return built


def test_builds_without_warnings(basic):
    assert basic.warnings == ""


def test_role_puts_metric_values_into_prose(basic):
    paragraph = soup(basic.html()).find("p")
    assert " ".join(paragraph.get_text().split()) == (
        "Our platform serves 70 communities, with $6M raised."
    )


def test_role_format_overrides_the_metric_format(basic):
    text = soup(basic.html("rst_page")).find("p").get_text()
    assert text == "We have 14 staff and $6,034,000 in total."


def test_sentence_card_emphasises_the_value(basic):
    page = soup(basic.html())
    card = page.select_one("div.kpi-card-sentence")
    title = card.select_one("p.kpi-card-title")
    assert " ".join(title.get_text().split()) == "More than 70 Active Communities"
    assert title.select_one("strong > span.kpi-value").get_text() == "70"
    assert card.select_one("p.sd-card-text").get_text() == "See the latest data."


def test_label_card_shows_a_big_number_above_the_label(basic):
    cards = card_texts(basic.html())
    assert "7.2K Monthly active users" in cards  # label from the metrics file
    assert "14 Staff" in cards  # a Python callable
    assert "$5,634,000 Funding received in the period" in cards  # $start/$end


def test_cards_sit_directly_in_a_grid_without_warnings(basic):
    page = soup(basic.html())
    row = page.select_one("div.sd-row")
    items = row.find_all("div", recursive=False)
    assert len(items) == 2
    for item in items:
        assert "sd-col" in item["class"]
        card = item.select_one("div.kpi-card")
        assert "sd-w-100" in card["class"]  # fills its cell: equal heights
    assert "grid" not in basic.warnings


def test_card_links_like_sphinx_design(basic):
    url_card = soup(basic.html()).select_one("div.kpi-card-sentence")
    link = url_card.select_one("a.sd-stretched-link")
    assert link["href"] == "https://example.org/kpis/"
    assert "sd-card-hover" in url_card["class"]
    doc_card = soup(basic.html("rst_page")).select_one("div.kpi-card-sentence")
    assert doc_card.select_one("a.sd-stretched-link")["href"] == "index.html"


def test_rest_and_myst_give_the_same_card(basic):
    def sentence_card(page: str) -> str:
        card = soup(basic.html(page)).select_one("div.kpi-card-sentence")
        return str(card.select_one("p.kpi-card-title"))

    assert sentence_card("index") == sentence_card("rst_page")


def test_values_carry_their_provenance(basic):
    value = soup(basic.html()).select_one("span.kpi-value")
    assert value["data-kpi-metric"] == "active_communities"
    assert value["data-kpi-query"].startswith("SELECT count(*) FROM communities")
    assert (
        value["data-kpi-sources"]
        == "data/communities.csv (83 rows, sha256 2b6dd81d9dbb)"
    )
    # plain text, no tab stop: the words are in its card's Source toggletip,
    # the panel that describes it
    assert "title" not in value.attrs and "tabindex" not in value.attrs
    page = soup(basic.html())
    panel = page.find(id=value["aria-describedby"])
    button = page.select_one(f'button[aria-controls="{value["aria-describedby"]}"]')
    assert button.get_text() == "Sources" and button["aria-expanded"] == "false"
    items = [
        " ".join(item.get_text().split()) for item in panel.select(".kpi-tip-item")
    ]
    assert items[0] == (
        "70 (exactly 73) computed from data/communities.csv (83 rows, sha256 "
        "2b6dd81d9dbb) by SELECT count(*) FROM communities WHERE status = 'active'"
    )
    # the parameters as the query was run with them
    funding = page.select('.kpi-tip-item:-soup-contains("BETWEEN $start")')[0]
    assert ", with $end = 2023-12-31; $start = 2021-01-01 by SELECT" in funding.text


def test_extension_css_is_linked_and_copied(basic):
    assert "_static/grantreport.css" in basic.html()
    assert (basic.outdir / "_static" / "grantreport.css").is_file()


@pytest.mark.parametrize(
    ("language", "prose", "cards"),
    [
        (
            "de",
            "Our platform serves 70 communities, with 6\xa0Mio.\xa0$ raised.",
            [
                "7200 Monthly active users",
                "5.634.000\xa0$ Funding received in the period",
            ],
        ),
        (
            "fr",
            "Our platform serves 70 communities, with 6\xa0M\xa0$US raised.",
            [
                "7,2\xa0k Monthly active users",
                "5\u202f634\u202f000\xa0$US Funding received in the period",
            ],
        ),
    ],
)
def test_numbers_follow_sphinx_language(project, language, prose, cards):
    built = project("basic")
    built.build(confoverrides={"language": language})
    assert " ".join(soup(built.html()).find("p").get_text().split("\n")) == prose
    texts = [
        re.sub(r"[ \n]+", " ", c.get_text(" "))
        for c in soup(built.html()).select("div.kpi-card")
    ]
    for text in cards:
        assert any(text in t for t in texts), texts


def test_currency_setting(project):
    built = project("basic")
    built.build(confoverrides={"grantreport_currency": "EUR"})
    assert "with €6M raised." in soup(built.html()).find("p").get_text()


def test_text_builder_degrades_to_plain_text(project):
    built = project("basic")
    built.build("text")
    text = built.text()
    assert "Our platform serves 70 communities, with $6M raised." in text
    assert text.count("More than **70** Active Communities") == 1
    assert "→ example.org/kpis" in text  # the card's link, visible
    assert "See the latest data." in text
    assert built.warnings == ""


@pytest.mark.parametrize("builder", ["latex", "singlehtml", "dirhtml", "epub", "man"])
def test_other_builders_do_not_crash(project, builder):
    built = project("basic")
    built.build(builder)
    assert "grantreport" not in built.warnings


#: Titles whose words are taken as text (letters, digits, spaces, commas,
#: "%", a full stop ending a word) and titles that must still be parsed.
TITLES = [
    "Communities served",
    "More than {value} communities",
    "Raised, 2024: {value}",
    "{value} raised in 12 months.",
    "Growth 5% {value}",
    "*Emphasis* {value}",
    "A `literal` {value}",
    "See example.com for {value}",
    "Version 2.5 has {value}",
    'it\'s {value} -- not "less"...',
    "snake_case {value}",
]


@pytest.mark.parametrize("syntax", ["md", "rst"])
def test_plain_title_words_are_the_same_taken_as_text_or_parsed(
    project, monkeypatch, syntax
):
    from sphinx_grantreport import cards

    def card(title: str) -> str:
        if syntax == "md":
            return f":::{{kpi-card}} {title}\n:metric: active_communities\n:::\n\n"
        return f".. kpi-card:: {title}\n   :metric: active_communities\n\n"

    if syntax == "rst":
        heading = ":orphan:\n\nTitles\n======\n\n"
    else:
        heading = "---\norphan: true\n---\n# Titles\n\n"
    pages = []
    for plain in (cards.PLAIN_WORDS, cards.re.compile(r"(?!)")):  # never plain
        monkeypatch.setattr(cards, "PLAIN_WORDS", plain)
        built = project("basic", f"titles-{syntax}-{len(pages)}")
        built.write(f"titles.{syntax}", heading + "".join(map(card, TITLES)))
        built.build()
        assert "titles.rst" not in built.warnings and "titles.md" not in built.warnings
        body = soup(built.html("titles")).select("div.kpi-card")
        pages.append([str(card) for card in body])
    assert len(pages[0]) == len(TITLES)
    assert pages[0] == pages[1]
