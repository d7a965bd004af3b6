"""The format, round and template mini-languages, as pure functions."""

from decimal import Decimal

import pytest

from sphinx_grantreport.errors import ReportError
from sphinx_grantreport.formatting import (
    format_value,
    parse_locale,
    round_value,
    shown_number,
)
from sphinx_grantreport.title_templates import parse_template

EN = parse_locale("en")
DE = parse_locale("de")
FR = parse_locale("fr")


@pytest.mark.parametrize(
    ("value", "spec", "english", "german"),
    [
        (7234, None, "7,234", "7.234"),
        (1234.5678, None, "1,234.568", "1.234,568"),
        (1234.5678, "number:1", "1,234.6", "1.234,6"),
        (1234.5, "integer", "1,235", "1.235"),
        (7234, "compact", "7.2K", "7234"),
        (7234, "compact:0", "7K", "7234"),
        (5_634_000, "compact-long", "5.6 million", "5,6 Millionen"),
        (5_634_000, "currency", "$5,634,000.00", "5.634.000,00\xa0$"),
        (5_634_000, "currency:0", "$5,634,000", "5.634.000\xa0$"),
        (5_634_000, "currency-compact", "$5.6M", "5,6\xa0Mio.\xa0$"),
        (0.253, "percent", "25%", "25\xa0%"),
        (0.2534, "percent:1", "25.3%", "25,3\xa0%"),
        (Decimal("1234.5"), ",.0f", "1,234", "1,234"),
        ("a text value", None, "a text value", "a text value"),
    ],
)
def test_formats_follow_the_locale(value, spec, english, german):
    assert format_value(value, spec, EN) == english
    assert format_value(value, spec, DE) == german


def test_currency_comes_from_the_setting():
    assert format_value(1500, "currency:0", EN, "EUR") == "€1,500"
    assert format_value(1500, "currency:0", FR, "EUR") == "1\u202f500\xa0€"


def test_dates_use_the_locale_date_format():
    import datetime

    assert format_value(datetime.date(2023, 12, 31), None, EN) == "Dec 31, 2023"
    assert format_value(datetime.date(2023, 12, 31), None, DE) == "31.12.2023"


@pytest.mark.parametrize(
    ("value", "spec", "expected"),
    [
        (73, "floor:10", Decimal(70)),
        (70, "floor:10", Decimal(70)),
        (79.9, "floor:10", Decimal(70)),
        (73, "ceil:10", Decimal(80)),
        (75, "nearest:10", Decimal(80)),
        (5_634_000, "floor:0.1e6", Decimal(5_600_000)),
        (7_284, "floor:2sig", Decimal(7_200)),
        (0.347, "nearest:0.01", Decimal("0.35")),
        (-73, "floor:10", Decimal(-80)),
        (0, "floor:10", Decimal(0)),
    ],
)
def test_rounding_is_exact(value, spec, expected):
    assert round_value(value, spec) == expected


def test_rounded_whole_numbers_format_without_exponent():
    assert format_value(round_value(5_634_000, "floor:0.1e6"), None, EN) == "5,600,000"


@pytest.mark.parametrize(
    ("spec", "subtype"),
    [
        ("compactt", "format"),
        ("integer:2", "format"),
        ("currency:x", "format"),
    ],
)
def test_unknown_formats_are_errors(spec, subtype):
    with pytest.raises(ReportError) as error:
        format_value(1, spec, EN)
    assert error.value.subtype == subtype


@pytest.mark.parametrize("spec", ["floor", "floor:0", "floor:-5", "up:10", "floor:ab"])
def test_unknown_roundings_are_errors(spec):
    with pytest.raises(ReportError) as error:
        round_value(1, spec)
    assert error.value.subtype == "round"


@pytest.mark.parametrize("value", ["text", None, True, float("nan")])
def test_numeric_formats_refuse_non_numbers(value):
    with pytest.raises(ReportError) as error:
        format_value(value, "number", EN)
    assert error.value.subtype == "type"


def test_template_splits_on_allowed_fields():
    assert parse_template("More than {value} {label}, {{braces}}") == [
        ("More than ", "value"),
        (" ", "label"),
        (", {", None),
        ("braces}", None),
    ]


@pytest.mark.parametrize(
    "template",
    [
        "{value.__class__}",
        "{value[0]}",
        "{value.real}",
        "{config}",
        "{}",
        "{0}",
        "{value!r}",
        "{value:,}",
        "unbalanced {",
        "unbalanced }",
    ],
)
def test_templates_refuse_everything_but_plain_fields(template):
    with pytest.raises(ReportError) as error:
        parse_template(template)
    assert error.value.subtype == "template"


@pytest.mark.parametrize(
    ("value", "spec", "locale", "read_as"),
    [
        ("7270", "compact", EN, "7300"),
        ("0.731", "percent", EN, "0.73"),
        ("5180000", "currency-compact", EN, "5200000"),
        ("12345.6", "integer", EN, "12346"),
        ("99.13", "number:1", EN, "99.1"),
        ("12345.6", "integer", FR, "12346"),
        ("1234.5", "number:1", DE, "1234.5"),
    ],
)
def test_the_number_a_reader_takes_from_a_formatted_value(value, spec, locale, read_as):
    """What a claim ("more than ...") is checked against."""
    assert shown_number(Decimal(value), spec, locale) == Decimal(read_as)


@pytest.mark.parametrize(
    ("value", "spec", "english", "german", "french"),
    [
        (
            5_634_000,
            "currency-long",
            "$5.6 million",
            "5,6 Millionen\xa0$",
            "5,6 millions\xa0$US",
        ),
        (
            5_634_000,
            "currency-long:2",
            "$5.63 million",
            "5,63 Millionen\xa0$",
            "5,63 millions\xa0$US",
        ),
        (
            5_000_000,
            "currency-long",
            "$5 million",
            "5 Millionen\xa0$",
            "5 millions\xa0$US",
        ),
        (
            -5_634_000,
            "currency-long",
            "-$5.6 million",
            "-5,6 Millionen\xa0$",
            "-5,6 millions\xa0$US",
        ),
        (
            1_200_000_000,
            "currency-long:0",
            "$1 billion",
            "1 Milliarde\xa0$",
            "1 milliard\xa0$US",
        ),
        (12, "words", "twelve", "zwölf", "douze"),
        (21, "words", "twenty-one", "einundzwanzig", "vingt et un"),
        (0, "words", "zero", "null", "zéro"),
        (Decimal("100.00"), "words", "one hundred", "einhundert", "cent"),
        (12.0, "words", "twelve", "zwölf", "douze"),
        # above the limit, a fraction or below zero: the number format
        (101, "words", "101", "101", "101"),
        (1234, "words", "1,234", "1.234", "1\u202f234"),
        (12.5, "words", "12.5", "12,5", "12,5"),
        (-3, "words", "-3", "-3", "-3"),
        # Python's integer specs, for a whole value of any type
        (1234, "d", "1234", "1234", "1234"),
        (1234, ",d", "1,234", "1,234", "1,234"),
        (Decimal("1234.000"), ",d", "1,234", "1,234", "1,234"),
        (7.0, "02d", "07", "07", "07"),
        (Decimal("5"), "+d", "+5", "+5", "+5"),
    ],
)
def test_prose_formats_follow_the_locale(value, spec, english, german, french):
    assert format_value(value, spec, EN) == english
    assert format_value(value, spec, DE) == german
    assert format_value(value, spec, FR) == french


def test_currency_long_takes_the_currency_setting_and_its_locale_pattern():
    assert format_value(5_634_000, "currency-long", EN, "EUR") == "€5.6 million"
    assert format_value(5_634_000, "currency-long", DE, "EUR") == "5,6 Millionen\xa0€"
    # the symbol before the number, and the sign after it, as Dutch has them
    nl = parse_locale("nl")
    assert format_value(-5_634_000, "currency-long", nl, "EUR") == "€\xa0-5,6 miljoen"


def test_currency_long_below_a_thousand_is_the_plain_amount():
    assert format_value(950, "currency-long", EN) == "$950"


def test_words_with_a_precision_show_other_numbers_as_number_does():
    # so that a chart's ticks, which share one precision, work in words too
    assert format_value(12, "words:1", EN) == "twelve"
    assert format_value(1234.56, "words:1", DE) == "1.234,6"
    assert shown_number(Decimal("1234.56"), "words:1", EN) == Decimal("1234.6")


def test_words_in_a_language_num2words_lacks_are_digits():
    chinese = parse_locale("zh")
    assert format_value(12, "words", chinese) == "12"
    # the territory's own words where num2words has them
    assert format_value(12, "words", parse_locale("pt_BR")) == "doze"


@pytest.mark.parametrize(
    ("value", "spec", "subtype"),
    [
        (1234.5, ",d", "format"),  # a fraction is not rounded in silence
        (Decimal("0.5"), "d", "format"),
        (10, "x", "format"),  # not a decimal number
        (10, "c", "format"),  # a character
        (10, "b", "format"),
        ("text", "d", "type"),
    ],
)
def test_integer_specs_and_words_refuse_what_they_cannot_show(value, spec, subtype):
    with pytest.raises(ReportError) as error:
        format_value(value, spec, EN)
    assert error.value.subtype == subtype


def test_a_fraction_under_an_integer_spec_says_what_to_do():
    with pytest.raises(ReportError, match=r"nearest:1"):
        format_value(1234.5, ",d", EN)


@pytest.mark.parametrize(
    ("value", "spec", "locale", "read_as"),
    [
        ("5634000", "currency-long", EN, "5600000"),
        ("5634000", "currency-long", DE, "5600000"),
        ("5650000", "currency-long:0", FR, "6000000"),
        ("12", "words", EN, "12"),
        ("12", "words", DE, "12"),
        ("101.25", "words", EN, "101.25"),
        ("1234", ",d", EN, "1234"),
        ("7", "02d", DE, "7"),
        ("12.5", "d", EN, None),  # no text: nothing to read
    ],
)
def test_the_number_a_reader_takes_from_the_prose_formats(value, spec, locale, read_as):
    expected = None if read_as is None else Decimal(read_as)
    assert shown_number(Decimal(value), spec, locale) == expected
