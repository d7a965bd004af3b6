"""The matplotlib settings a chart is drawn and saved in, its file's bytes, and
how the numbers shown together on a chart (its value labels, its ticks) read.

Imported with :mod:`.chart_drawing`, only when a chart is really drawn.
"""

from __future__ import annotations

import decimal
import io
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from babel import numbers as babel_numbers
from matplotlib import style
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import Formatter

from .chart_spec import DARK_STYLE_FILE, LITERAL_STYLE_FILE, STYLE_FILE
from .formatting import NumberStyle, parse_format

_COMPACT = ("compact", "compact-long", "currency-compact")
#: Formats whose numbers are each shown as they are: whole numbers, and the
#: prose formats ("$5.6 million", "twelve"), which read as words, not digits.
_EACH_ITS_OWN = ("integer", "currency-long", "words")
#: Enough digits for any float a chart may label (and its fraction digits).
_WIDE = decimal.Context(prec=800, Emax=999_999, Emin=-999_999)

#: File metadata without timestamps, so that the same chart gives the same file.
METADATA: dict[str, dict[str, Any]] = {
    "svg": {"Date": None, "Creator": "sphinx-grantreport"},
    "pdf": {"CreationDate": None, "ModDate": None, "Creator": "sphinx-grantreport"},
    "png": {"Software": "sphinx-grantreport"},
}


def style_context(
    styles: Sequence[str | Path], dark: bool = False, literal: bool = False
) -> Any:
    """Our style (and its dark variant), then the user's, on a clean slate and
    undone on exit: the user's global rcParams are never changed.

    ``literal``, for declarative charts, comes last, whatever the user's style
    says: their text comes from data and is drawn as written, never parsed as
    mathtext nor handed to TeX. A ``:plot:`` function keeps matplotlib's
    default (see docs/howto/custom-plots.md)."""
    ours = [STYLE_FILE, DARK_STYLE_FILE] if dark else [STYLE_FILE]
    last = [LITERAL_STYLE_FILE] if literal else []
    return style.context(
        [str(name) for name in [*ours, *styles, *last]], after_reset=True
    )


def save(
    figure: Figure,
    fmt: str,
    styles: Sequence[str | Path] = (),
    dark: bool = False,
    literal: bool = False,
) -> bytes:
    """The figure as SVG, PDF or PNG bytes, free of timestamps, so that the
    same chart always gives the same file. Saved in the style it was drawn in
    (``literal`` too), since tick labels may be made while saving."""
    FigureCanvasAgg(figure)  # render with Agg, whatever the user's backend
    buffer = io.BytesIO()
    with style_context(styles, dark, literal):
        dpi = 200 if fmt == "png" else None
        figure.savefig(buffer, format=fmt, dpi=dpi, metadata=METADATA[fmt])
    return buffer.getvalue()


class ValueTicks(Formatter):
    """A value axis's tick labels in the chart's format and in one precision
    ("0, 5, 10", "$0.2M ... $1.2M"), chosen from the ticks in view."""

    def __init__(
        self,
        one: Callable[[float], str],
        together: Callable[[Sequence[float]], list[str]],
    ) -> None:
        self.one, self.together = one, together

    def __call__(self, x: float, pos: int | None = None) -> str:
        return self.one(x)

    def format_ticks(self, values: Any) -> list[str]:
        low, high = sorted(self.axis.get_view_interval()) if self.axis else (0, 0)
        slack = (high - low) * 1e-9
        shown = [float(v) for v in values if low - slack <= v <= high + slack]
        texts = dict(zip(shown, self.together(shown), strict=True))
        return [texts.get(float(v)) or self.one(v) for v in values]


def shared_texts(
    values: Sequence[float], spec: str | None, numbers: NumberStyle
) -> list[str]:
    """Numbers shown together on one chart (its value labels, or its ticks) in
    one precision: the same fraction digits, the fewest that keep each value
    as the format shows it ("0.0, 2.5, 5.0", not "0, 2.5, 5"), and for the
    compact formats one unit too, that of the largest ("$5.6M, $0.7M", not
    "$5.6M, $692.9K"). Zero reads "0" ("$0"). A precision the page asks for
    (``currency:0``) and Python specs are kept as they are."""
    plain = [int(v) if float(v).is_integer() else v for v in values]
    fmt = parse_format(spec or "number")
    if not values or fmt.python_spec is not None or fmt.name in _EACH_ITS_OWN:
        return [numbers.format(v, spec) for v in plain]
    try:
        with decimal.localcontext(_WIDE):
            if fmt.precision is not None:
                pass
            elif fmt.name in _COMPACT:
                texts = _compact_texts(plain, fmt.name, numbers)
                if texts is not None:
                    return texts
            else:
                return _fixed_texts(plain, str(fmt.name), numbers)
    except ArithmeticError:  # a value too large for one precision: each its own
        pass
    return [numbers.format(v, spec) for v in plain]


def _digits(values: Sequence[Decimal], most: int) -> int:
    """The fewest fraction digits (up to ``most``) that show every value as
    ``most`` digits would."""
    exact = [v.quantize(Decimal(1).scaleb(-most)) for v in values]
    for digits in range(most):
        step = Decimal(1).scaleb(-digits)
        if all(v.quantize(step) == e for v, e in zip(values, exact, strict=True)):
            return digits
    return most


def _fixed_texts(values: Sequence[float], name: str, numbers: NumberStyle) -> list[str]:
    locale = numbers.locale
    if name == "currency":  # cents for all or for none: "$12.50", "$3.00"
        most = babel_numbers.get_currency_precision(numbers.currency)
        whole = _digits([Decimal(str(v)) for v in values], most) == 0
        return [numbers.format(v, f"currency:{0 if whole else most}") for v in values]
    pattern = (locale.percent_formats if name == "percent" else locale.decimal_formats)[
        None
    ]
    most = pattern.frac_prec[1]
    scale = Decimal(100) if name == "percent" else Decimal(1)
    digits = _digits([Decimal(str(v)) * scale for v in values], most)
    return [numbers.format(v, f"{name}:{digits}") for v in values]


def _compact_texts(
    values: Sequence[float], name: str, numbers: NumberStyle
) -> list[str] | None:
    """Every value in the compact unit of the largest, with babel's default
    of one fraction digit at most; None when that unit would show a value
    that is not zero as zero, or the locale's patterns do not allow it (the
    caller then formats each value on its own)."""
    locale, most = numbers.locale, 1
    table = (
        locale.compact_currency_formats
        if name == "currency-compact"
        else locale.compact_decimal_formats
    )["long" if name == "compact-long" else "short"]["other"]
    decimals = [Decimal(str(v)) for v in values]
    largest = max(abs(v) for v in decimals)
    magnitudes = sorted((int(m) for m in table), reverse=True)
    divisor, pattern = Decimal(1), None
    for index, magnitude in enumerate(magnitudes):
        text = babel_numbers.parse_pattern(table[str(magnitude)]).pattern
        if largest < magnitude or text.count("0") == 0:
            continue
        if text.strip() == "0":
            break
        divisor = Decimal(magnitude // 10 ** (text.count("0") - 1))
        if index and round(largest / divisor, most) * divisor >= magnitudes[index - 1]:
            text = babel_numbers.parse_pattern(
                table[str(magnitudes[index - 1])]
            ).pattern
            divisor = Decimal(magnitudes[index - 1] // 10 ** (text.count("0") - 1))
        pattern = text
        break
    if pattern is None:  # smaller than the first unit: plain numbers or amounts
        pattern = (
            locale.currency_formats["standard"].pattern
            if name == "currency-compact"
            else locale.decimal_formats[None].pattern
        )
    if name == "currency-compact" and "\xa4" not in pattern:
        return None
    scaled = [v / divisor for v in decimals]
    step = Decimal(1).scaleb(-most)
    if any(v and v.quantize(step) == 0 for v in scaled):
        return None
    digits = _digits(scaled, most)
    fixed = babel_numbers.parse_pattern(pattern)
    fixed.frac_prec = (digits, digits)
    fixed.int_prec = (1, fixed.int_prec[1])  # "30万" in the unit of "500万"
    zero = numbers.format(0, name)
    return [
        zero
        if v.quantize(Decimal(1).scaleb(-digits)) == 0
        else fixed.apply(v, locale, currency=numbers.currency, currency_digits=False)
        for v in scaled
    ]
