"""Property-based tests of the mini-languages: any input gives a value or a
clean ReportError, and rounding keeps its promises."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from sphinx_grantreport.chart_drawing import draw, save
from sphinx_grantreport.chart_spec import Table, parse_spec, prepare
from sphinx_grantreport.engine import QueryEngine
from sphinx_grantreport.errors import ReportError
from sphinx_grantreport.figures import CHART_OPTIONS
from sphinx_grantreport.formatting import (
    NumberStyle,
    format_value,
    parse_locale,
    round_value,
)
from sphinx_grantreport.metric_definitions import parse_expect
from sphinx_grantreport.title_templates import parse_template

EN = parse_locale("en")
numbers = st.one_of(
    st.integers(min_value=-(10**15), max_value=10**15),
    st.decimals(min_value=-(10**12), max_value=10**12, allow_nan=False, places=4),
    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
)
steps = st.decimals(min_value=Decimal("0.001"), max_value=10**6, places=3).filter(
    lambda step: step > 0
)


anything = st.one_of(
    numbers, st.floats(), st.text(max_size=10), st.none(), st.booleans()
)


@given(st.text(max_size=30), anything)
def test_any_format_gives_text_or_a_clean_error(spec, value):
    try:
        assert isinstance(format_value(value, spec, EN), str)
    except ReportError as error:
        assert error.subtype in {"format", "type"}


@given(st.text(max_size=30), anything)
def test_any_rounding_gives_a_number_or_a_clean_error(spec, value):
    try:
        assert isinstance(round_value(value, spec), Decimal)
    except ReportError as error:
        assert error.subtype in {"round", "type"}


@given(st.text(max_size=40))
def test_any_template_gives_parts_or_a_clean_error(template):
    try:
        parts = parse_template(template)
    except ReportError as error:
        assert error.subtype == "template"
    else:
        assert all(field in (None, "value", "label") for _, field in parts)


@given(numbers, steps)
def test_floor_never_exceeds_the_value_and_ceil_never_falls_below(value, step):
    exact = Decimal(str(value))
    assert round_value(value, f"floor:{step}") <= exact
    assert round_value(value, f"ceil:{step}") >= exact
    assert abs(round_value(value, f"nearest:{step}") - exact) <= step / 2


@given(numbers, numbers, steps)
def test_rounding_is_monotonic(first, second, step):
    low, high = sorted((first, second), key=lambda v: Decimal(str(v)))
    for mode in ("floor", "ceil", "nearest"):
        assert round_value(low, f"{mode}:{step}") <= round_value(high, f"{mode}:{step}")


@given(numbers, st.integers(min_value=1, max_value=6))
def test_significant_digits_floor_never_overstates(value, digits):
    assert round_value(value, f"floor:{digits}sig") <= Decimal(str(value))


@given(st.text(max_size=40).filter(lambda text: "\x00" not in text))
def test_a_string_parameter_is_data_whatever_it_contains(text):
    """Parameters are bound, never pasted into SQL: quotes, semicolons and
    comments come back as the same string, and no statement runs."""
    engine = QueryEngine({}, Path("."), {"text": text})
    try:
        result = engine.query("SELECT $text, strlen($text)")
    finally:
        engine.close()
    assert result.rows == [(text, len(text.encode()))]


chart_options = st.dictionaries(
    st.sampled_from(CHART_OPTIONS),
    st.one_of(
        st.text(max_size=12),
        st.sampled_from(["hub", "users", "region", "users, visits", "1, 2", "#f00"]),
    ),
    max_size=6,
)
HUBS = Table(("hub", "users", "region"), [("a", 3, "n"), ("b", 5, "s"), ("c", 1, "s")])


@settings(max_examples=60, deadline=None)
@given(chart_options)
def test_any_chart_options_draw_a_chart_or_give_a_clean_error(options):
    """From directive options to SVG bytes, every step either works or says
    what is wrong (colours are checked by matplotlib, while drawing)."""
    try:
        spec = parse_spec(options)
        figure = draw(prepare(HUBS, spec), spec, NumberStyle(EN, "USD"))
        assert save(figure, "svg").startswith(b"<?xml")
    except ReportError as error:
        assert error.subtype in {"kind", "option", "format", "column", "type"}
    except ValueError as error:  # an unknown colour, shown as a plot warning
        assert "color" in str(error).lower()


@given(st.text(max_size=30))
def test_any_expect_text_gives_checks_or_a_clean_error(text):
    try:
        checks = parse_expect(text, "metric")
    except ReportError as error:
        assert error.subtype == "config"
    else:
        assert all(kind in {"range", "min_rows", "not_null"} for kind, _, _ in checks)
