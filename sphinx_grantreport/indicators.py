"""What a card shows around its number: the change against another value, the
progress toward a target, and a sparkline of the trend.

The change and the progress say in visible words what their colour, arrow or
bar shows, so that they read the same to every reader, to a screen reader, in
text output and in print; the arrow itself is hidden from screen readers.
"""

from __future__ import annotations

import html
from decimal import Decimal
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx

from .doctree import skip
from .errors import ReportError
from .formatting import NumberStyle, is_number


def _number(value: Any, what: str) -> Decimal:
    number = _finite(value)
    if number is None:
        raise ReportError("type", f"{what} needs a finite number, got {value!r}")
    return number


def _finite(value: Any) -> Decimal | None:
    """A number as a Decimal, or None for NaN, infinities and non-numbers
    (a "nan" in a CSV is a float NaN, on which Decimal comparisons fail)."""
    if not is_number(value):
        return None
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    return number if number.is_finite() else None


class kpi_arrow(nodes.inline):
    """The arrow of a change: decoration (the words say it), so hidden from
    screen readers in HTML; plain inline text in every other builder."""


def delta_paragraph(
    value: Any,
    reference: Any,
    *,
    mode: str,
    down_is_good: bool,
    label: str | None,
    format_spec: str | None,
    numbers: NumberStyle,
) -> nodes.paragraph:
    """ "▲ +12% vs 2022": the change from ``reference`` to ``value``, good or bad."""
    current = _number(value, ":compare:")
    before = _number(reference, ":compare:")
    change = current - before
    if mode == "percent":
        if before == 0:
            raise ReportError("result", ":compare: cannot give a percent change from 0")
        amount = numbers.format(abs(change / before), "percent:0")
    else:
        amount = numbers.format(abs(change), format_spec)
    direction = "up" if change > 0 else "down" if change < 0 else "flat"
    good = direction == ("down" if down_is_good else "up")
    bad = direction == ("up" if down_is_good else "down")
    tone = "good" if good else "bad" if bad else "neutral"
    sign = {"up": "+", "down": "\N{MINUS SIGN}", "flat": "±"}[direction]
    arrow = {"up": "▲", "down": "▼", "flat": "▶"}[direction]
    paragraph = nodes.paragraph(
        "",
        "",
        classes=["kpi-card-delta", f"kpi-delta-{direction}", f"kpi-delta-{tone}"],
    )
    paragraph += kpi_arrow(arrow, arrow, classes=["kpi-delta-arrow"])
    paragraph += nodes.Text(f" {sign}{amount}")
    if label:
        paragraph += nodes.Text(f" {label}")
    words = {"good": "an improvement", "bad": "a worsening", "neutral": "no change"}
    paragraph += nodes.inline("", f" ({words[tone]})", classes=["kpi-delta-words"])
    return paragraph


def visit_arrow_html(self: Any, node: kpi_arrow) -> None:
    self.body.append(self.starttag(node, "span", "", **{"aria-hidden": "true"}))


def depart_arrow_html(self: Any, node: kpi_arrow) -> None:
    self.body.append("</span>")


class kpi_progress(nodes.General, nodes.Element):
    """A bar of progress toward a target; ``fraction`` is value / target."""


def progress_nodes(
    value: Any, target: Any, target_text: str, numbers: NumberStyle
) -> list[nodes.Node]:
    """The bar and the words: "62% of the target of 120"."""
    goal = _number(target, ":target:")
    if goal <= 0:
        raise ReportError("result", f":target: must be above zero, not {target}")
    fraction = _number(value, ":target:") / goal
    share = numbers.format(fraction, "percent:0")
    words = f"{share} of the target of {target_text}"
    bar = kpi_progress("", fraction=float(max(Decimal(0), min(fraction, Decimal(1)))))
    text = nodes.paragraph(words, words, classes=["kpi-card-progress-text"])
    return [bar, text]


def visit_progress_html(self: Any, node: kpi_progress) -> None:
    """The bar, named by the words under it (aria-labelledby: no label of its
    own repeating them)."""
    percent = round(node["fraction"] * 100)
    named = ""
    index = node.parent.index(node)
    words = node.parent[index + 1] if index + 1 < len(node.parent) else None
    if isinstance(words, nodes.paragraph):  # written next: give it an id
        if not words["ids"]:
            serial = getattr(self, "_kpi_progress_serial", 0) + 1
            self._kpi_progress_serial = serial
            words["ids"].append(f"kpi-progress-words-{serial}")
        named = f' aria-labelledby="{html.escape(words["ids"][0])}"'
    self.body.append(
        f'<div class="kpi-progress" role="progressbar" aria-valuemin="0" '
        f'aria-valuemax="100" aria-valuenow="{percent}"{named}>'
        f'<span style="width: {percent}%"></span></div>\n'
    )
    raise nodes.SkipNode


def visit_progress_latex(self: Any, node: kpi_progress) -> None:
    self.body.append(f"\n\\grantreportprogress{{{node['fraction']:.4f}}}\n")
    raise nodes.SkipNode


def visit_progress_text(self: Any, node: kpi_progress) -> None:
    filled = round(node["fraction"] * 20)
    self.add_text("[" + "#" * filled + "-" * (20 - filled) + "]")
    raise nodes.SkipNode


class kpi_sparkline(nodes.General, nodes.Element):
    """A small line of a metric's trend, drawn as inline SVG (no matplotlib)."""


def sparkline(
    rows: list[tuple[Any, ...]], numbers: NumberStyle, format_spec: str | None
) -> kpi_sparkline:
    """A sparkline from (x, y) rows, in their order, with an accessible label."""
    if not rows or any(len(row) < 2 for row in rows):
        raise ReportError("result", ":trend: needs a query returning (x, y) rows")
    for row in rows:
        if row[1] is not None and not is_number(row[1]):
            raise ReportError("type", f":trend: needs a number, got {row[1]!r}")
    # NaN, infinities and NULLs are gaps: the line joins the points around them
    points_y = [number for row in rows if (number := _finite(row[1])) is not None]
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
    label = f"Trend over {len(ys)} values, from {first} to {last}"
    return kpi_sparkline("", points=points, label=label)


def visit_sparkline_html(self: Any, node: kpi_sparkline) -> None:
    label = html.escape(node["label"])
    self.body.append(
        f'<svg class="kpi-sparkline" viewBox="0 0 100 24" preserveAspectRatio="none" '
        f'role="img" aria-label="{label}"><title>{label}</title>'
        f'<polyline points="{node["points"]}" fill="none" stroke="currentColor" '
        'stroke-width="2" vector-effect="non-scaling-stroke" '
        'stroke-linejoin="round" stroke-linecap="round"/></svg>\n'
    )
    raise nodes.SkipNode


def visit_sparkline_text(self: Any, node: kpi_sparkline) -> None:
    self.add_text(f"({node['label']})")
    raise nodes.SkipNode


def visit_sparkline_latex(self: Any, node: kpi_sparkline) -> None:
    self.body.append(f"\n\\par{{\\small {self.escape(node['label'])}}}\\par\n")
    raise nodes.SkipNode


def setup_indicators(app: Sphinx) -> None:
    app.add_node(kpi_arrow, html=(visit_arrow_html, depart_arrow_html))
    app.add_node(
        kpi_progress,
        html=(visit_progress_html, None),
        latex=(visit_progress_latex, None),
        text=(visit_progress_text, None),
        man=(skip, None),
        texinfo=(skip, None),
    )
    app.add_node(
        kpi_sparkline,
        html=(visit_sparkline_html, None),
        latex=(visit_sparkline_latex, None),
        text=(visit_sparkline_text, None),
        man=(skip, None),
        texinfo=(skip, None),
    )
