"""Numbers at the edges: NaN and infinities in a card's context, integers and
decimals wider than a float, signed zeros, and TIMESTAMPTZ values in a build
whose machine is far from UTC."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sphinx.testing.util import SphinxTestApp

ROOT = Path(__file__).parent / "roots" / "test-hardening"
_ESCAPES = re.compile(r"\x1b\[[0-9;]*m")

HUGEINT = 170141183460469231731687303715884105727
DECIMAL38 = 12345678901234567890123456789012345678

#: title -> options of each card
CARDS: dict[str, dict[str, str]] = {
    "Compare NaN": {"sql": "SELECT 10", "compare": "SELECT y FROM edges WHERE x = 2"},
    "Compare inf": {"sql": "SELECT 10", "compare": "SELECT y FROM edges WHERE x = 4"},
    "Target NaN": {"sql": "SELECT 10", "target": "SELECT y FROM edges WHERE x = 2"},
    "Target nan": {"sql": "SELECT 10", "target": "nan"},
    "Trend": {"sql": "SELECT 10", "trend": "SELECT x, y FROM edges ORDER BY x"},
    "Huge": {"sql": f"SELECT {HUGEINT}::HUGEINT"},
    "Decimal": {"sql": f"SELECT {DECIMAL38}::DECIMAL(38,0)", "round": "floor:1000"},
    "Percent": {"sql": "SELECT -0.001", "format": "percent"},
    "Zero": {"sql": "SELECT -0.0::DOUBLE", "format": "number"},
    "Moment": {"sql": "SELECT TIMESTAMPTZ '2023-12-31 23:30:00+00'"},
}


def card_page(title: str) -> str:
    """A page whose one card, ``title``, starts on line 3."""
    options = [f":{key}: {value}" for key, value in CARDS[title].items()]
    return "\n".join(["# Page", "", f":::{{kpi-card}} {title}", *options, ":::", ""])


@dataclass(frozen=True)
class Card:
    """One card built on a page of its own: its warnings and what it shows."""

    warnings: list[str]
    text: str
    html: str


def build_card(srcdir: Path, title: str) -> Card:
    shutil.copytree(ROOT, srcdir)
    (srcdir / "index.md").write_text(card_page(title), encoding="utf-8")
    app = SphinxTestApp("html", srcdir=srcdir, status=StringIO(), warning=StringIO())
    try:
        app.build()
    finally:
        app.cleanup()
    html = (Path(app.outdir) / "index.html").read_text(encoding="utf-8")
    return _card(_ESCAPES.sub("", app.warning.getvalue()), html, title)


def _card(warnings: str, html: str, title: str) -> Card:
    card = BeautifulSoup(html, "html.parser").select_one(".kpi-card")
    text = " ".join(card.get_text(" ").split()).replace(title, "", 1).strip()
    lines = [line for line in warnings.splitlines() if "WARNING" in line]
    return Card(lines, text, html)


@pytest.fixture(scope="module")
def card(tmp_path_factory) -> Callable[[str], Card]:
    """``card(title)``: that card, built once per module on a page of its
    own, so that one card that breaks the build breaks only its tests."""
    cards: dict[str, Card] = {}

    def get(title: str) -> Card:
        if title not in cards:
            srcdir = tmp_path_factory.mktemp("card") / "report"
            cards[title] = build_card(srcdir, title)
        return cards[title]

    return get


@pytest.mark.parametrize(
    ("title", "got"),
    [
        ("Compare NaN", "nan"),
        ("Compare inf", "inf"),
        ("Target NaN", "nan"),
        ("Target nan", "Decimal('NaN')"),
    ],
)
def test_nan_or_infinity_as_compare_or_target_is_a_located_warning(card, title, got):
    built = card(title)
    assert len(built.warnings) == 1, built.warnings
    assert "index.md:3: WARNING: " in built.warnings[0]
    assert f"needs a finite number, got {got}" in built.warnings[0]
    assert built.warnings[0].endswith("[grantreport.type]")
    assert built.text == "10"  # the card's own number stays


def test_nan_and_infinity_in_a_trend_are_gaps(card):
    built = card("Trend")
    assert built.warnings == []
    sparkline = BeautifulSoup(built.html, "html.parser").select_one("svg.kpi-sparkline")
    assert sparkline["aria-label"] == "Trend over 3 values, from 1.5 to 3.5"
    assert len(sparkline.select_one("polyline")["points"].split()) == 3


def test_a_hugeint_shows_every_digit(card):
    built = card("Huge")
    assert built.warnings == []
    assert built.text == "170,141,183,460,469,231,731,687,303,715,884,105,727"


def test_a_decimal_38_floored_is_exact_and_not_above_the_value(card):
    built = card("Decimal")
    assert built.warnings == []
    assert built.text == "12,345,678,901,234,567,890,123,456,789,012,345,000"
    assert Decimal(built.text.replace(",", "")) <= DECIMAL38


@pytest.mark.parametrize(("title", "text"), [("Percent", "0%"), ("Zero", "0")])
def test_what_rounds_to_zero_never_reads_minus_zero(card, title, text):
    built = card(title)
    assert built.warnings == []
    assert built.text == text


def test_a_timestamptz_is_shown_in_utc_whatever_the_machine_zone(tmp_path):
    srcdir = tmp_path / "report"
    shutil.copytree(ROOT, srcdir)
    (srcdir / "index.md").write_text(card_page("Moment"), encoding="utf-8")
    outdir = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", str(srcdir), str(outdir)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={**os.environ, "TZ": "Pacific/Kiritimati"},
    )
    assert result.returncode == 0, result.stderr
    html = (outdir / "index.html").read_text(encoding="utf-8")
    built = _card(result.stderr, html, "Moment")
    assert built.warnings == []
    assert built.text == "Dec 31, 2023"


HUGE = "170141183460469231731687303715884105727"
CHART = f"""# Chart

:::{{kpi-figure}}
:sql: SELECT * FROM (VALUES ('a', {HUGE}::HUGEINT), ('b', 12::HUGEINT)) t(k, v)
:table:
Huge values.
:::
"""


def test_a_hugeint_chart_says_its_exact_range_in_its_alt_text(project):
    """Floats round a HUGEINT: the alt text and the data table show the data."""
    built = project("hardening", "huge-chart")
    built.write("index.md", CHART)
    built.build()
    exact = "170,141,183,460,469,231,731,687,303,715,884,105,727"
    soup = BeautifulSoup(built.html(), "html.parser")
    alt = soup.select_one("img.kpi-chart")["alt"]
    assert f"values range from 12 to {exact}" in alt
    assert exact in soup.select_one("table.kpi-figure-data-table").get_text()
