"""The checks a build makes on what it shows: "More than N" must be true of
the data (an exact N is not "more than" it), and a metric's expect range
warns outside it and only there."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from sphinx.testing.util import SphinxTestApp

ROOT = Path(__file__).parent / "roots" / "test-catch-checks"
_ESCAPES = re.compile(r"\x1b\[[0-9;]*m")
# ".../claim_title_exact.md:3: WARNING: message [grantreport.claim]"
_WARNING = re.compile(
    r"(?P<page>[\w-]+)\.md:(?P<line>\d+): WARNING: (?P<message>.*) "
    r"\[(?P<type>[\w.]+)\]$"
)


@pytest.fixture(scope="module")
def warnings(tmp_path_factory) -> dict[str, Counter[str]]:
    """test-catch-checks built once: per page, how many warnings of each type."""
    srcdir = tmp_path_factory.mktemp("catch-checks") / "src"
    shutil.copytree(ROOT, srcdir)
    warning = StringIO()
    app = SphinxTestApp("html", srcdir=srcdir, status=StringIO(), warning=warning)
    try:
        app.build()
    finally:
        app.cleanup()
    per_page: dict[str, Counter[str]] = {}
    for line in _ESCAPES.sub("", warning.getvalue()).splitlines():
        if "WARNING" not in line:
            continue
        match = _WARNING.search(line)
        assert match, f"a warning without page, line or type: {line}"
        per_page.setdefault(match["page"], Counter())[match["type"]] += 1
    return per_page


def test_more_than_in_a_title_with_the_exact_number_warns(warnings):
    assert warnings.get("claim_title_exact") == Counter({"grantreport.claim": 1})


def test_more_than_in_a_sentence_with_the_exact_number_warns(warnings):
    assert warnings.get("claim_sentence_exact") == Counter({"grantreport.claim": 1})


def test_more_than_a_number_floored_below_the_data_is_silent(warnings):
    assert "claim_title_floor" not in warnings
    assert "claim_sentence_floor" not in warnings


def test_at_least_the_exact_number_is_silent(warnings):
    assert "claim_at_least_exact" not in warnings


def test_a_value_inside_its_expected_range_is_silent(warnings):
    assert "expect_in_range" not in warnings


def test_a_value_exactly_at_either_bound_is_silent(warnings):
    assert "expect_at_low_bound" not in warnings  # 10 in 10..20
    assert "expect_at_high_bound" not in warnings  # 20 in 10..20


def test_a_value_below_its_expected_range_warns(warnings):
    # the card and the sentence each show the value, each warns
    assert warnings.get("expect_below_range") == Counter({"grantreport.expect": 2})


def test_a_value_above_its_expected_range_warns(warnings):
    assert warnings.get("expect_above_range") == Counter({"grantreport.expect": 2})


def test_no_other_page_warns(warnings):
    expected = {
        "claim_title_exact",
        "claim_sentence_exact",
        "expect_below_range",
        "expect_above_range",
    }
    assert set(warnings) == expected
