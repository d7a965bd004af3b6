"""The formats for prose (currency-long, words, Python's integer specs) and
the role's own rounding, in real builds: what a card, a sentence and
kpis.json show."""

from __future__ import annotations

import json

import pytest
from bs4 import BeautifulSoup

from sphinx_grantreport.role_text import parse_role_text

TOCTREE = "\n```{toctree}\nrst_page\n```\n"


def page(project, body: str, **build_options: object):
    """The basic root with ``body`` as its index page, built."""
    built = project("basic")
    built.write("index.md", f"# Prose\n\n{body}\n{TOCTREE}")
    built.build(**build_options)
    return built


def paragraph(built) -> str:
    return " ".join(BeautifulSoup(built.html(), "html.parser").p.get_text().split())


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("staff", ("staff", None, None)),
        ("total:currency:0", ("total", "currency:0", None)),
        ("total round=floor:10", ("total", None, "floor:10")),
        (
            "total:currency-long round=floor:0.1e6",
            ("total", "currency-long", "floor:0.1e6"),
        ),
        (
            "total:currency-long\n   round=floor:0.1e6 ",
            ("total", "currency-long", "floor:0.1e6"),
        ),
        ("total round=", ("total", None, "")),
        # Python specs with a space or a letter as fill, or a space as sign
        ("total:r>10", ("total", "r>10", None)),
        ("total:*^ 10d", ("total", "*^ 10d", None)),
        ("total: >10,d round=nearest:1", ("total", ">10,d", "nearest:1")),
        ("total:@>10 round=ceil:2sig", ("total", "@>10", "ceil:2sig")),
    ],
)
def test_role_text_splits_into_name_format_and_rounding(text, parsed):
    asked = parse_role_text(text)
    assert (asked.name, asked.format_spec, asked.rounding) == parsed
    assert asked.key is None


def test_currency_long_is_the_value_of_a_card_a_sentence_and_kpis_json(project):
    built = page(
        project,
        "We received {kpi}`funding_in_period:currency-long`.\n\n"
        ":::{kpi-card} Funding\n:metric: funding_in_period\n"
        ":format: currency-long\n:::\n",
    )
    assert built.warnings == ""
    assert paragraph(built) == "We received $5.6 million."
    html = BeautifulSoup(built.html(), "html.parser")
    assert html.select_one("p.kpi-card-number").get_text() == "$5.6 million"
    built.build("kpis")
    entries = {
        entry["key"]: entry
        for entry in json.loads((built.outdir / "kpis.json").read_text("utf-8"))
    }
    assert "$5.6 million" in entries["funding_in_period"]["texts"]


def test_prose_formats_speak_the_report_language(project):
    built = project("basic")
    built.write(
        "index.md",
        "# Prose\n\nEin Team von {kpi}`staff:words` und "
        "{kpi}`funding_in_period:currency-long round=floor:1e6`.\n" + TOCTREE,
    )
    built.write(
        "rst_page.rst",
        "reST page\n=========\n\nEin Team von :kpi:`staff:words` und "
        ":kpi:`funding_in_period:currency-long round=floor:1e6`.\n",
    )
    built.build(confoverrides={"language": "de"})
    assert built.warnings == ""
    expected = "Ein Team von vierzehn und 5 Millionen\xa0$."  # no break before $
    for name in ("index", "rst_page"):
        assert BeautifulSoup(built.html(name), "html.parser").p.get_text() == expected


@pytest.mark.parametrize(
    ("sentence", "shown"),
    [
        # the role's rounding wins over the metric's (floor:10) and the format's
        ("{kpi}`active_communities round=nearest:1`", "73"),
        ("{kpi}`funding_in_period:currency-long round=floor:1e6`", "$5 million"),
        ("{kpi}`funding_in_period:,d round=floor:1`", "5,634,000"),
        ("a team of {kpi}`staff:words`", "a team of fourteen"),
        ("more than {kpi}`active_communities:words` hubs", "more than seventy hubs"),
        ("more than {kpi}`funding_in_period:currency-long`", "more than $5.6 million"),
        ("{kpi}`staff:02d` and {kpi}`staff:+d`", "14 and +14"),
    ],
)
def test_roles_show_prose_formats_and_their_own_rounding(project, sentence, shown):
    built = page(project, sentence)
    assert built.warnings == ""
    assert paragraph(built) == shown


@pytest.mark.parametrize(
    ("sentence", "warning"),
    [
        # what a reader takes from the words is checked as from digits
        (
            "more than {kpi}`active_communities:words round=ceil:10`",
            '"more than eighty" is not true',
        ),
        (
            "more than {kpi}`funding_in_period:currency-long round=ceil:1e6`",
            '"more than $6 million" is not true',
        ),
        ("{kpi}`funding_in_period:,d`", "shows whole numbers, but the value is"),
        ("{kpi}`staff round=`", "unknown rounding ''"),
        ("{kpi}`staff round=up:10`", "unknown rounding 'up:10'"),
        ("{kpi}`staff:x`", "does not show a decimal number"),
    ],
)
def test_role_mistakes_and_overstated_claims_are_located_warnings(
    project, sentence, warning
):
    built = page(project, sentence)
    assert "index.md:3: WARNING: " in built.warnings
    assert warning in built.warnings
    assert "[grantreport." in built.warnings
