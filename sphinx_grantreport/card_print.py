"""Cards in print: the shape the LaTeX macros style (number, title and
change as classed containers, a visible link line in place of the stretched
link), and the LaTeX of a card in its grid row."""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx_design.shared import is_component

from .cards import card_body, kpi_card


class PrintCardShape(SphinxPostTransform):
    """Give each card the shape the LaTeX macros style: the number and title
    as classed containers, the stretched link as a visible line at the bottom
    (a PDF or text reader cannot hover a card, and the link's hidden text
    would repeat the title)."""

    default_priority = 200  # after references are resolved
    formats = ("latex", "text", "man", "texinfo")

    def run(self, **kwargs: Any) -> None:
        for card in list(self.document.findall(kpi_card)):
            for part in list(card.findall(nodes.paragraph)):
                styled = [c for c in part["classes"] if c in LATEX_PARTS]
                if styled:
                    part["classes"] = []
                    holder = nodes.container("", classes=styled)
                    part.replace_self(holder)
                    holder += part
            for link in list(card.findall(nodes.reference)):
                if "sd-stretched-link" in link["classes"]:
                    self._visible_link(card, link)

    @staticmethod
    def _visible_link(card: kpi_card, link: nodes.reference) -> None:
        holder = link.parent
        uri = link.get("refuri", "")
        text = uri.split("://", 1)[-1].rstrip("/") if "://" in uri else "Read more"
        visible = nodes.reference(
            text,
            text,
            **{
                key: link[key] for key in ("refuri", "refid", "internal") if key in link
            },
        )
        line = nodes.container(
            "", nodes.paragraph("", "→ ", visible), classes=["kpi-card-link"]
        )
        card_body(card).append(line)
        holder.parent.remove(holder)


#: Paragraph classes of a card that the LaTeX macros style.
LATEX_PARTS = ("kpi-card-number", "kpi-card-title", "kpi-card-delta")


def _grid_place(card: kpi_card) -> tuple[int, int]:
    """(cards per row, position in the grid) of a card; (1, 0) outside grids."""
    column = card.parent
    row = column.parent if column is not None else None
    if not (is_component(column, "grid-item") and is_component(row, "grid-row")):
        return 1, 0
    assert row is not None
    counts = [
        int(cls.rsplit("-", 1)[1])
        for prefix in ("sd-row-cols-lg-", "sd-row-cols-")
        for cls in row["classes"]
        if cls.startswith(prefix) and cls.rsplit("-", 1)[1].isdigit()
    ]
    columns = min(counts[0] if counts else 1, 3)
    items = [child for child in row.children if is_component(child, "grid-item")]
    return columns, items.index(column)


def visit_card_latex(self: Any, node: kpi_card) -> None:
    columns, position = _grid_place(node)
    if position % columns == 0:
        self.body.append("\n\\par\\medskip\\noindent")
    width = (
        r"\linewidth"
        if columns == 1
        else rf"\dimexpr(\linewidth-{columns - 1}\grantreportcardsep)/{columns}\relax"
    )
    self.body.append(f"\\begin{{grantreportcard}}{{{width}}}%\n")


def depart_card_latex(self: Any, node: kpi_card) -> None:
    columns, position = _grid_place(node)
    self.body.append("\\end{grantreportcard}")
    row_goes_on = position % columns != columns - 1
    last = node.parent.parent is None or node.parent is node.parent.parent[-1]
    # the gap of a full row, also after the first cards of a row cut short
    # (an \hfill would push a last card to the far side)
    self.body.append(
        "\\hskip\\dimexpr\\grantreportcardsep\\relax minus 1pt\\relax"
        if columns > 1 and row_goes_on and not last
        else "\\par\\medskip\n"
    )
