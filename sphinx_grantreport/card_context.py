"""What a card says around its number, in words: the change against another
value, the progress toward a target, a trend's line. No Sphinx here: the
Sphinx card (indicators.py) and the mystmd card draw from the same words.

The change and the progress say in visible words what their colour, arrow
or bar shows, so that they read the same to every reader.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from .errors import ReportError
from .formatting import NumberStyle, is_number
from .metric_definitions import Measurement, split_key
from .presentation import shown_text

WORDS = {"good": "an improvement", "bad": "a worsening", "neutral": "no change"}

_QUERY_START = re.compile(r"^\s*(select|with|from|values)\b", re.IGNORECASE)


def finite(value: Any) -> Decimal | None:
    """A number as a Decimal, or None for NaN, infinities and non-numbers
    (a "nan" in a CSV is a float NaN, on which Decimal comparisons fail)."""
    if not is_number(value):
        return None
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    return number if number.is_finite() else None


def _number(value: Any, what: str) -> Decimal:
    number = finite(value)
    if number is None:
        raise ReportError("type", f"{what} needs a finite number, got {value!r}")
    return number


@dataclass(frozen=True)
class Change:
    """ "▲ +12% vs 2022 (an improvement)", in parts."""

    direction: str  # up, down or flat
    tone: str  # good, bad or neutral
    arrow: str
    amount: str  # with its sign
    label: str | None

    @property
    def words(self) -> str:
        return WORDS[self.tone]

    @property
    def text(self) -> str:
        """The whole line, as plain text."""
        label = f" {self.label}" if self.label else ""
        return f"{self.arrow} {self.amount}{label} ({self.words})"


def change(
    value: Any,
    reference: Any,
    *,
    mode: str,
    down_is_good: bool,
    label: str | None,
    format_spec: str | None,
    numbers: NumberStyle,
) -> Change:
    """The change from ``reference`` to ``value``, good or bad."""
    current = _number(value, ":compare:")
    before = _number(reference, ":compare:")
    difference = current - before
    if mode == "percent":
        if before == 0:
            raise ReportError("result", ":compare: cannot give a percent change from 0")
        amount = numbers.format(abs(difference / before), "percent:0")
    else:
        amount = numbers.format(abs(difference), format_spec)
    direction = "up" if difference > 0 else "down" if difference < 0 else "flat"
    good = direction == ("down" if down_is_good else "up")
    bad = direction == ("up" if down_is_good else "down")
    sign = {"up": "+", "down": "\N{MINUS SIGN}", "flat": "±"}[direction]
    arrow = {"up": "▲", "down": "▼", "flat": "▶"}[direction]
    tone = "good" if good else "bad" if bad else "neutral"
    return Change(direction, tone, arrow, f"{sign}{amount}", label)


@dataclass(frozen=True)
class Progress:
    """How far a value is toward its target: the bar's share (0 to 1) and
    the words ("62% of the target of 120")."""

    fraction: float
    words: str


def progress(
    value: Any, target: Any, target_text: str, numbers: NumberStyle
) -> Progress:
    goal = _number(target, ":target:")
    if goal <= 0:
        raise ReportError("result", f":target: must be above zero, not {target}")
    fraction = _number(value, ":target:") / goal
    share = numbers.format(fraction, "percent:0")
    shown = float(max(Decimal(0), min(fraction, Decimal(1))))
    return Progress(shown, f"{share} of the target of {target_text}")


@dataclass(frozen=True)
class Trend:
    """A sparkline: its points in a 100 x 24 box, and the words that say it."""

    points: str
    label: str

    def svg(self) -> str:
        """The line as a standalone SVG file."""
        return (
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 24" '
            'width="100" height="24" preserveAspectRatio="none">'
            f'<polyline points="{self.points}" fill="none" stroke="#3b6fb6" '
            'stroke-width="2" vector-effect="non-scaling-stroke" '
            'stroke-linejoin="round" stroke-linecap="round"/></svg>\n'
        )


def trend(
    rows: Sequence[Sequence[Any]], numbers: NumberStyle, format_spec: str | None
) -> Trend:
    """A trend from (x, y) rows, in their order."""
    if not rows or any(len(row) < 2 for row in rows):
        raise ReportError("result", ":trend: needs a query returning (x, y) rows")
    for row in rows:
        if row[1] is not None and not is_number(row[1]):
            raise ReportError("type", f":trend: needs a number, got {row[1]!r}")
    # NaN, infinities and NULLs are gaps: the line joins the points around them
    points_y = [number for row in rows if (number := finite(row[1])) is not None]
    ys = [float(y) for y in points_y]
    if len(ys) < 2:
        raise ReportError("result", ":trend: needs at least two finite values")
    low, high = min(ys), max(ys)
    span = (high - low) or 1.0
    step = 100 / (len(ys) - 1)
    points = " ".join(
        f"{index * step:.2f},{22 - (y - low) / span * 20:.2f}"
        for index, y in enumerate(ys)
    )
    first = numbers.format(points_y[0], format_spec)
    last = numbers.format(points_y[-1], format_spec)
    return Trend(points, f"Trend over {len(ys)} values, from {first} to {last}")


def parts(text: str) -> list[str]:
    return [part.strip() for part in text.split(";")]


def _spread(text: str, count: int, option: str) -> list[str]:
    """One value per comparison: the one given for all, or one each."""
    values = parts(text)
    if len(values) == 1:
        return values * count
    if len(values) != count:
        raise ReportError(
            "option",
            f":{option}: gives {len(values)} values for {count} comparisons: give "
            "one for all, or one per comparison, separated by ';'",
        )
    return values


def comparisons(options: Mapping[str, Any]) -> list[tuple[str, str, bool, str | None]]:
    """Each comparison of :compare: (separated by ';') with its delta,
    direction and label: one value of an option serves all of them."""
    if "compare" not in options:
        return []
    references = parts(options["compare"])
    count = len(references)
    modes = _spread(options.get("delta", "percent"), count, "delta")
    downs = _spread(options.get("down-is-good", "no"), count, "down-is-good")
    labels = _spread(options.get("compare-label", ""), count, "compare-label")
    return [
        (reference, mode, down == "yes", label or None)
        for reference, mode, down, label in zip(
            references, modes, downs, labels, strict=True
        )
    ]


@dataclass(frozen=True)
class Reference:
    """What a :compare: or :target: names: a number, a query or a metric."""

    number: Decimal | None = None
    sql: str | None = None
    metric: str | None = None
    key: str | None = None

    def key_for(self, shown: Measurement, metrics: Mapping[str, Any]) -> str | None:
        """The key to read a keyed metric at: its own, or (with none given)
        the shown value's, so a card's key applies to what it compares with."""
        definition = metrics.get(self.metric or "")
        if self.key is None and shown.key and definition is not None and definition.key:
            return ", ".join(shown.key)
        return self.key


def read_reference(text: str) -> Reference:
    """``120``, ``SELECT ...`` or ``name`` / ``name[key]``."""
    text = text.strip()
    try:
        return Reference(number=Decimal(text))
    except InvalidOperation:
        pass
    if _QUERY_START.match(text):
        return Reference(sql=text)
    name, key = split_key(text)
    return Reference(metric=name, key=key)


def changes_and_progress(
    options: Mapping[str, Any],
    measurement: Measurement,
    resolve: Callable[[str], Measurement],
    numbers: NumberStyle,
) -> list[Change | Progress]:
    """What a card's :compare: and :target: say about its value, in order;
    ``resolve`` measures each reference (a metric, a query, a number, or in a
    grid, a column of the card's row)."""
    format_spec = measurement.format_spec(options.get("format"))
    said: list[Change | Progress] = []
    for reference, mode, down_is_good, label in comparisons(options):
        said.append(
            change(
                measurement.value,
                resolve(reference).value,
                mode=mode,
                down_is_good=down_is_good,
                label=label,
                format_spec=format_spec,
                numbers=numbers,
            )
        )
    if "target" in options:
        target = resolve(options["target"])
        target_text, _ = shown_text(target, numbers, format_spec)
        said.append(progress(measurement.value, target.value, target_text, numbers))
    return said
