"""The format, round and title-template mini-languages: pure functions, no Sphinx.

Values stay typed (int, float, Decimal, str, date) from the query to here;
they are turned into text exactly once, by :func:`format_value`.
"""

from __future__ import annotations

import datetime
import decimal
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import (
    ROUND_CEILING,
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Decimal,
    InvalidOperation,
)
from typing import Any

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel import lists as babel_lists
from babel import numbers as babel_numbers

from .errors import ReportError
from .prose_formats import (
    MAX_WORDS,
    format_currency_long,
    number_words,
    spelled_out,
)
from .python_specs import apply_python_spec, python_spec_whole

#: Named formats and whether they take a ``:N`` precision.
NAMED_FORMATS: dict[str, str] = {
    "number": "locale grouping, up to 3 decimals (default for numbers)",
    "integer": "locale grouping, rounded to a whole number",
    "compact": "short compact form: 7.2K, 5.6M",
    "compact-long": "long compact form: 5.6 million",
    "currency": "amount in grantreport_currency: $5,634,000.00",
    "currency-compact": "compact amount: $5.6M",
    "currency-long": "long compact amount, for prose: $5.6 million",
    "percent": "a fraction as a percentage: 0.25 -> 25%",
    "words": f"whole numbers 0 to {MAX_WORDS} in words, in the report's language: "
    "twelve; other numbers (and languages num2words lacks) as number (words:N "
    "as number:N)",
}

ROUNDING_MODES = {"floor": ROUND_FLOOR, "ceil": ROUND_CEILING, "nearest": ROUND_HALF_UP}

_FORMAT_RE = re.compile(r"^(?P<name>[a-z][a-z-]*)(?::(?P<precision>\d{1,2}))?$")
_ROUND_RE = re.compile(r"^(?P<mode>[a-z]+):(?P<step>\S+)$")
_SIGNIFICANT_RE = re.compile(r"^(?P<digits>\d{1,2})sig$")

Number = int | float | Decimal

#: Digits kept by Decimal arithmetic here: DuckDB's HUGEINT and DECIMAL(38)
#: have up to 39, beyond the 28 of Python's default context, where rounding
#: would silently round (and ``floor`` could overstate).
_EXACT = decimal.Context(prec=120, Emax=999_999, Emin=-999_999)


def is_number(value: object) -> bool:
    """True for the numeric types a query returns (bool is not a number here)."""
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def parse_locale(language: str | None) -> Locale:
    """The Babel locale for Sphinx's ``language`` (``en`` when unset)."""
    try:
        return Locale.parse((language or "en").replace("-", "_"))
    except (UnknownLocaleError, ValueError) as exc:
        raise ReportError(
            "locale", f"unknown language {language!r} for number formats: {exc}"
        ) from exc


@dataclass(frozen=True)
class NumberFormat:
    """A parsed ``:format:`` value: a named format with optional precision,
    or a Python format spec."""

    name: str | None
    precision: int | None = None
    python_spec: str | None = None
    #: A Python spec of type ``d`` (``,d``, ``02d``), which formats integers only.
    whole: bool = False


def parse_format(text: str) -> NumberFormat:
    """Parse ``compact``, ``compact:1``, ``currency:0`` or a spec like ``,.0f``."""
    text = text.strip()
    match = _FORMAT_RE.match(text)
    if match and match["name"] in NAMED_FORMATS:
        precision = int(match["precision"]) if match["precision"] else None
        if precision is not None and match["name"] == "integer":
            raise ReportError("format", "format 'integer' takes no precision")
        return NumberFormat(match["name"], precision)
    whole = python_spec_whole(text)
    if whole is not None:
        return NumberFormat(None, python_spec=text, whole=whole)
    known = ", ".join(NAMED_FORMATS)
    raise ReportError(
        "format",
        f"unknown format {text!r}: use one of {known} "
        "(with an optional ':N' precision), or a Python format spec such as ',.0f'",
    )


def _to_decimal(value: Number) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _check_number(value: object, what: str) -> Number:
    if not is_number(value):
        raise ReportError(
            "type",
            f"{what} needs a number, but the value is {value!r} "
            f"({type(value).__name__})",
        )
    assert isinstance(value, int | float | Decimal)
    if (isinstance(value, float) and not math.isfinite(value)) or (
        isinstance(value, Decimal) and not value.is_finite()
    ):
        raise ReportError("type", f"{what} needs a finite number, got {value!r}")
    return value


def _with_precision(
    pattern: babel_numbers.NumberPattern, precision: int | None
) -> babel_numbers.NumberPattern:
    if precision is None:
        return pattern
    fixed = babel_numbers.parse_pattern(pattern.pattern)
    fixed.frac_prec = (precision, precision)
    return fixed


def format_value(
    value: object, spec: str | None, locale: Locale, currency: str = "USD"
) -> str:
    """Turn a typed value into the text a reader sees.

    Strings pass through unchanged when no format is asked for; dates use the
    locale's medium date format; numbers default to ``number``.
    """
    if spec is None:
        if isinstance(value, str):
            return value
        if isinstance(value, datetime.date):
            return babel_dates.format_date(value, format="medium", locale=locale)
        spec = "number"
    fmt = parse_format(spec)
    number = _check_number(value, f"format {spec!r}")
    with decimal.localcontext(_EXACT):
        if _is_negative(number):
            shown = shown_number(abs(_to_decimal(number)), spec, locale, currency)
            if shown is not None and shown == 0:
                # what rounds to zero reads "0", never "-0"
                number = (
                    math.fabs(number)
                    if isinstance(number, float)
                    else _to_decimal(number).copy_abs()
                )
        if fmt.python_spec is not None:
            try:
                return apply_python_spec(number, fmt.python_spec, fmt.whole)
            except (ValueError, TypeError) as exc:
                raise ReportError(
                    "format", f"format spec {fmt.python_spec!r} does not apply: {exc}"
                ) from exc
        return _format_named(number, fmt, locale, currency)


def _is_negative(number: Number) -> bool:
    return (
        math.copysign(1, number) < 0
        if isinstance(number, float)
        else (_to_decimal(number).is_signed())
    )


def _format_named(
    number: Number, fmt: NumberFormat, locale: Locale, currency: str
) -> str:
    decimal = _to_decimal(number)
    precision = fmt.precision
    match fmt.name:
        case "number" | "integer":
            if fmt.name == "integer":
                decimal = _quantize(decimal, 0, ROUND_HALF_UP)
                precision = 0
            pattern = _with_precision(locale.decimal_formats[None], precision)
            return pattern.apply(decimal, locale)
        case "compact" | "compact-long":
            return babel_numbers.format_compact_decimal(
                decimal,
                format_type="short" if fmt.name == "compact" else "long",
                locale=locale,
                fraction_digits=1 if precision is None else precision,
            )
        case "currency":
            pattern = _with_precision(locale.currency_formats["standard"], precision)
            return pattern.apply(
                decimal,
                locale,
                currency=currency,
                currency_digits=precision is None,
            )
        case "currency-compact":
            return babel_numbers.format_compact_currency(
                decimal,
                currency,
                locale=locale,
                fraction_digits=1 if precision is None else precision,
            )
        case "currency-long":
            digits = 1 if precision is None else precision
            return format_currency_long(decimal, currency, locale, digits)
        case "words":
            whole = spelled_out(decimal)
            words = None if whole is None else number_words(whole, locale)
            if words is None:  # words:N shows digits as number:N does
                as_number = NumberFormat("number", precision)
                return _format_named(number, as_number, locale, currency)
            return words
        case "percent":
            pattern = _with_precision(locale.percent_formats[None], precision)
            return pattern.apply(decimal, locale)
    raise AssertionError(fmt.name)  # pragma: no cover - parse_format checks names


@dataclass(frozen=True)
class Rounding:
    """A parsed ``:round:`` value: a direction and a step or significant digits."""

    mode: str
    step: Decimal | None = None
    significant_digits: int | None = None


def parse_rounding(text: str) -> Rounding:
    """Parse ``floor:10``, ``nearest:0.1e6`` or ``ceil:2sig``."""
    usage = (
        "use floor:STEP, ceil:STEP or nearest:STEP, where STEP is a positive "
        "number (10, 0.5, 0.1e6) or significant digits (2sig)"
    )
    match = _ROUND_RE.match(text.strip())
    if not match or match["mode"] not in ROUNDING_MODES:
        raise ReportError("round", f"unknown rounding {text!r}: {usage}")
    if sig := _SIGNIFICANT_RE.match(match["step"]):
        digits = int(sig["digits"])
        if digits < 1:
            raise ReportError("round", f"rounding {text!r} keeps no digit: {usage}")
        return Rounding(match["mode"], significant_digits=digits)
    try:
        step = Decimal(match["step"])
    except InvalidOperation:
        raise ReportError("round", f"bad step in rounding {text!r}: {usage}") from None
    if not step.is_finite() or step <= 0:
        raise ReportError("round", f"bad step in rounding {text!r}: {usage}")
    return Rounding(match["mode"], step=step)


def round_value(value: object, spec: str) -> Decimal:
    """Round a number to a step in the given direction, exactly (in Decimal).

    ``floor`` never returns more than the value, so "More than {value}"
    built on it never overstates.
    """
    rounding = parse_rounding(spec)
    with decimal.localcontext(_EXACT):
        return _round_exactly(
            _to_decimal(_check_number(value, f"rounding {spec!r}")), rounding
        )


def _round_exactly(decimal: Decimal, rounding: Rounding) -> Decimal:
    if decimal == 0:
        return decimal
    step = rounding.step
    if step is None:
        assert rounding.significant_digits is not None
        step = Decimal(1).scaleb(decimal.adjusted() - rounding.significant_digits + 1)
    units = (decimal / step).to_integral_value(rounding=ROUNDING_MODES[rounding.mode])
    result = units * step
    # Show whole numbers without an exponent or trailing zeros ("70", not "7E+1").
    if result == result.to_integral_value():
        return _quantize(result, 0, ROUND_HALF_EVEN)
    return result.normalize()


@dataclass(frozen=True)
class NumberStyle:
    """The locale and currency a report's numbers are shown in: one object that
    cards, indicators and charts take, so they cannot disagree."""

    locale: Locale
    currency: str = "USD"
    #: texts already made, by the value (its type and repr: 1.0 and 1.00 are
    #: equal Decimals that a Python spec shows apart) and the format
    _texts: dict[tuple[type, str, str | None], str] = field(
        default_factory=dict, compare=False, repr=False
    )
    #: every digit of values already shown so (see :meth:`exactly`), by the
    #: Decimal's text: 70 and 70.0 are equal Decimals shown apart
    _exact: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def format(self, value: object, spec: str | None = None) -> str:
        """A value as text, made once for each value and format: a report
        shows the same few numbers many times (cProfile of a 50-page report:
        Babel's formatting was a third of the cost of a shown value)."""
        key = (type(value), repr(value), spec)
        text = self._texts.get(key)
        if text is None:
            text = format_value(value, spec, self.locale, self.currency)
            if len(self._texts) < 100_000:
                self._texts[key] = text
        return text

    def listing(self, items: Sequence[str], limit: int | None = None) -> str:
        """Items as a sentence lists them in the report's language ("A, B and
        C"); past ``limit``, the rest counted ("A, B and 4 others")."""
        shown = list(items)
        if limit is not None and len(shown) > limit:
            rest = len(shown) - limit
            shown = [*shown[:limit], f"{rest} other{'s' if rest > 1 else ''}"]
        return babel_lists.format_list(shown, locale=self.locale)

    def exactly(self, value: Decimal) -> str:
        """Every digit of a value, grouped as the language groups them: what
        a reader who opens its sources sees behind a rounded "70"; made once
        per value, as :meth:`format` is."""
        key = str(value)
        text = self._exact.get(key)
        if text is None:
            with decimal.localcontext(_EXACT):
                text = babel_numbers.format_decimal(
                    value, locale=self.locale, decimal_quantization=False
                )
            if len(self._exact) < 100_000:
                self._exact[key] = text
        return text


def shown_number(
    value: Decimal, spec: str | None, locale: Locale, currency: str = "USD"
) -> Decimal | None:
    """The number a reader takes from ``format_value(value, spec)``, computed
    from the value and the format's own rounding: 7270 as "7.3K" is 7300,
    0.731 as "73%" is 0.73, 5,180,000 as "$5.2M" is 5,200,000. None for a
    value that is not a positive finite number."""
    if not value.is_finite() or value <= 0:
        return Decimal(0) if value == 0 else None
    with decimal.localcontext(_EXACT):
        return _shown_exactly(value, parse_format(spec or "number"), locale, currency)


def _shown_exactly(
    value: Decimal, fmt: NumberFormat, locale: Locale, currency: str
) -> Decimal | None:
    if fmt.python_spec is not None:  # Python's output is plain digits: read it
        try:
            text = (
                apply_python_spec(value, fmt.python_spec, fmt.whole)
                .replace(",", "")
                .replace("_", "")
            )
            percent = text.endswith("%")
            number = Decimal(text.rstrip("%").strip())
        except (ValueError, TypeError, ArithmeticError, ReportError):
            return None
        return number / 100 if percent else number
    precision = fmt.precision
    match fmt.name:
        case "integer":
            return _quantize(value, 0, ROUND_HALF_UP)
        case "words":  # twelve reads as 12, and other numbers are digits
            as_number = NumberFormat("number", precision)
            return _shown_exactly(value, as_number, locale, currency)
        case "number" | "percent" | "currency":
            pattern = {
                "number": locale.decimal_formats[None],
                "percent": locale.percent_formats[None],
                "currency": locale.currency_formats["standard"],
            }[fmt.name]
            digits = pattern.frac_prec[1] if precision is None else precision
            if fmt.name == "currency" and precision is None:
                digits = babel_numbers.get_currency_precision(currency)
            scale = Decimal(100) if fmt.name == "percent" else Decimal(1)
            return _round_to(value * scale, digits) / scale
        case _:  # the compact forms
            # currency-long is compact-long's number in the currency pattern
            formats = (
                locale.compact_currency_formats
                if fmt.name == "currency-compact"
                else locale.compact_decimal_formats
            )["long" if fmt.name in ("compact-long", "currency-long") else "short"]
            return _compact_shown(value, formats, 1 if precision is None else precision)


def _round_to(value: Decimal, digits: int) -> Decimal:
    return _quantize(value, digits, ROUND_HALF_EVEN)


def _quantize(value: Decimal, digits: int, rounding: str) -> Decimal:
    """``value`` to ``digits`` decimals, exactly at any magnitude (quantize
    needs as many digits of precision as the result has)."""
    with decimal.localcontext(_EXACT) as context:
        context.prec = max(context.prec, value.adjusted() + digits + 3)
        return value.quantize(Decimal(1).scaleb(-digits), rounding=rounding)


def _compact_shown(value: Decimal, formats: Any, digits: int) -> Decimal:
    """Babel's compact rule (CLDR): divide by the largest magnitude the value
    reaches, as its pattern's zeros say, and round to ``digits``."""
    for magnitude in sorted((int(m) for m in formats["other"]), reverse=True):
        if value < magnitude:
            continue
        pattern = babel_numbers.parse_pattern(formats["other"][str(magnitude)]).pattern
        if pattern == "0":
            break
        divisor = Decimal(magnitude // 10 ** (pattern.count("0") - 1))
        return _round_to(value / divisor, digits) * divisor
    return _round_to(value, digits)
