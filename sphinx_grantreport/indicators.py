"""What a card shows around its number: the change against another value, the
progress toward a target, and a sparkline of the trend.

The change and the progress say in visible words what their colour, arrow or
bar shows, so that they read the same to every reader, to a screen reader, in
text output and in print; the arrow itself is hidden from screen readers.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from docutils import nodes
from sphinx.application import Sphinx

from .doctree import skip

if TYPE_CHECKING:
    from .card_context import Change, Progress
    from .formatting import NumberStyle


class kpi_arrow(nodes.inline):
    """The arrow of a change: decoration (the words say it), so hidden from
    screen readers in HTML; plain inline text in every other builder."""


def delta_paragraph(shown: Change) -> nodes.paragraph:
    """ "▲ +12% vs 2022 (an improvement)", with classes for its colour."""
    paragraph = nodes.paragraph(
        "",
        "",
        classes=[
            "kpi-card-delta",
            f"kpi-delta-{shown.direction}",
            f"kpi-delta-{shown.tone}",
        ],
    )
    paragraph += kpi_arrow(shown.arrow, shown.arrow, classes=["kpi-delta-arrow"])
    paragraph += nodes.Text(f" {shown.amount}")
    if shown.label:
        paragraph += nodes.Text(f" {shown.label}")
    paragraph += nodes.inline("", f" ({shown.words})", classes=["kpi-delta-words"])
    return paragraph


def visit_arrow_html(self: Any, node: kpi_arrow) -> None:
    self.body.append(self.starttag(node, "span", "", **{"aria-hidden": "true"}))


def depart_arrow_html(self: Any, node: kpi_arrow) -> None:
    self.body.append("</span>")


class kpi_progress(nodes.General, nodes.Element):
    """A bar of progress toward a target; ``fraction`` is value / target."""


def progress_nodes(shown: Progress) -> list[nodes.Node]:
    """The bar and the words: "62% of the target of 120"."""
    bar = kpi_progress("", fraction=shown.fraction)
    text = nodes.paragraph(shown.words, shown.words, classes=["kpi-card-progress-text"])
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
    from .card_context import trend

    shown = trend(rows, numbers, format_spec)
    return kpi_sparkline("", points=shown.points, label=shown.label)


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
