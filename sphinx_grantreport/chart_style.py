"""The matplotlib settings a chart is drawn and saved in, its file's bytes, and
how the numbers shown together on a chart (its value labels, its ticks) read.

Imported with :mod:`.chart_drawing`, only when a chart is really drawn.
"""

from __future__ import annotations

import decimal
import functools
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import matplotlib as mpl
from babel import numbers as babel_numbers
from cycler import cycler
from matplotlib import colors, style
from matplotlib.backend_bases import get_registered_canvas_class
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

#: What an rcParams colour means when it says "auto".
_AUTO = {"axes.titlecolor": "text.color", "savefig.facecolor": "figure.facecolor"}
#: A colour in an SVG as matplotlib writes it: ``fill: #1f2328``.
_SVG_COLOUR = re.compile(rb"(?:(?<=fill: )|(?<=stroke: ))#[0-9a-f]{6}")


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
    with style_context(styles, dark, literal):
        return saved(figure, fmt)


def saved(figure: Figure, fmt: str) -> bytes:
    """The figure's bytes in the style in force (see :func:`save`).

    The layout is done once, by the format's own renderer, before saving:
    ``savefig`` would do it in a draw of its own (a third of the cost of a
    chart), then draw again."""
    dpi = 200 if fmt == "png" else None
    get_registered_canvas_class(fmt)(figure)  # whatever the user's backend
    if dpi is not None:
        figure.set_dpi(dpi)  # laid out at the dpi it is saved in
    engine = figure.get_layout_engine()
    if engine is not None and not _layout_by_default():
        engine.execute(figure)
        figure.set_layout_engine(None)
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt, dpi=dpi, metadata=METADATA[fmt])
    return buffer.getvalue()


def _layout_by_default() -> bool:
    """Whether the style asks every figure for a layout (then savefig keeps
    laying it out, as it would)."""
    return bool(
        mpl.rcParams["figure.autolayout"]
        or mpl.rcParams["figure.constrained_layout.use"]
    )


@dataclass(frozen=True)
class TwoTones:
    """How to draw a chart once and save it light and dark: every colour that
    the dark style changes gets a stand-in colour of its own to draw with,
    which each variant's SVG then replaces by its real colour. The colours
    never change the layout, so both files are what two drawings would give
    (see tests/test_chart_speed.py)."""

    stand_ins: dict[Any, Any]  # rcParams to draw in
    light: dict[bytes, bytes]  # stand-in -> light colour, as SVG writes them
    dark: dict[bytes, bytes]

    def recolour(self, svg: bytes, dark: bool) -> bytes:
        """The SVG drawn in the stand-ins, in the light or dark colours."""
        real = self.dark if dark else self.light
        return _SVG_COLOUR.sub(lambda m: real.get(m[0], m[0]), svg)

    def only_as_colours(self, svg: bytes) -> bool:
        """Whether every stand-in in the SVG is a colour (none is text)."""
        found = len([m for m in _SVG_COLOUR.findall(svg) if m in self.light])
        return found == sum(svg.count(stand_in) for stand_in in self.light)


def two_tones(literal: bool, taken: Sequence[str] = ()) -> TwoTones | None:
    """Our light and dark styles as :class:`TwoTones`; None when a colour
    is not plain (see-through, "none"), or a stand-in would be one of the
    ``taken`` colours (the chart's own). Only for our styles alone: what a
    user's style or plot function does with a colour is theirs."""
    light, dark = _colours(False, literal), _colours(True, literal)
    stand_ins: dict[str, Any] = {}
    pairs: list[tuple[Any, Any]] = []
    for key in sorted(light.keys() - {"axes.prop_cycle"}):  # the same each run
        if light[key] != dark[key]:
            stand_ins[key] = _stand_in(len(pairs))
            pairs.append((_resolved(light, key), _resolved(dark, key)))
    cycles = [light["axes.prop_cycle"], dark["axes.prop_cycle"]]
    if cycles[0] != cycles[1]:
        if any(c.keys != {"color"} or len(c) != len(cycles[0]) for c in cycles):
            return None
        palettes = [c.by_key()["color"] for c in cycles]
        stand_ins["axes.prop_cycle"] = cycler(
            color=[_stand_in(len(pairs) + i) for i in range(len(palettes[0]))]
        )
        pairs.extend(zip(*palettes, strict=True))
    if any(colors.to_rgba(c)[3] != 1 for pair in pairs for c in pair):
        return None
    if not all(map(colors.is_color_like, taken)):
        return None  # drawing it says what is wrong
    hexes = [_stand_in(i) for i in range(len(pairs))]
    real = {colors.to_hex(c) for c in [*taken, *(c for pair in pairs for c in pair)]}
    if real.intersection(hexes):
        return None
    codes = [h.encode() for h in hexes]
    return TwoTones(
        stand_ins,
        {
            c: colors.to_hex(lt).encode()
            for c, (lt, _) in zip(codes, pairs, strict=True)
        },
        {
            c: colors.to_hex(dk).encode()
            for c, (_, dk) in zip(codes, pairs, strict=True)
        },
    )


def _stand_in(index: int) -> str:
    return f"#{index + 1:02x}a53c"  # no style colour, and no two alike


@functools.cache
def _colours(dark: bool, literal: bool) -> dict[str, Any]:
    """The colours the dark style sets, as our styles (light or dark) leave them."""
    keys = mpl.rc_params_from_file(DARK_STYLE_FILE, use_default_template=False)
    with style_context((), dark, literal):
        return {key: mpl.rcParams[key] for key in keys}


def _resolved(rc: dict[str, Any], key: str) -> Any:
    value = rc[key]
    return rc[_AUTO[key]] if value == "auto" and key in _AUTO else value


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
