"""Small doctree builders that several directives use: a table from rows of
text, and the visitor of builders that leave a node out."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any, TypeAlias

from docutils import nodes

#: A cell: plain text, or an inline node (a literal, say).
Cell: TypeAlias = str | nodes.Node


def table_node(
    header: Sequence[Cell],
    rows: Sequence[Sequence[Cell]],
    classes: Sequence[str] = (),
    max_width: int | None = None,
) -> nodes.table:
    """A table with a header row; each column as wide as its longest cell
    (capped at ``max_width``), which LaTeX and text output size columns by."""
    group = nodes.tgroup(cols=len(header))
    for index, title in enumerate(header):
        width = max([_width(title), *(_width(row[index]) for row in rows)])
        group += nodes.colspec(colwidth=min(width, max_width or width))
    group += nodes.thead("", _row(header))
    group += nodes.tbody("", *(_row(row) for row in rows))
    return nodes.table("", group, classes=list(classes))


def _width(cell: Cell) -> int:
    return len(cell if isinstance(cell, str) else cell.astext())


def _row(cells: Sequence[Cell]) -> nodes.row:
    return nodes.row("", *(nodes.entry("", _paragraph(cell)) for cell in cells))


def _paragraph(cell: Cell) -> nodes.paragraph:
    if isinstance(cell, str):
        return nodes.paragraph(cell, cell)
    return nodes.paragraph("", "", cell)


def skip(self: Any, node: nodes.Node) -> None:
    """Builders with no way to show a node (a download in print, a bar in a
    man page) leave it out: the words next to it say the same."""
    raise nodes.SkipNode


def depart_nothing(self: Any, node: nodes.Node) -> None:
    """The visitor opened nothing to close."""


def separate_footnote_marks(
    document: nodes.document, separator: Callable[[], nodes.Node]
) -> None:
    """Put a separator between footnote references side by side, which would
    otherwise read as one footnote ("12" for 1 and 2)."""
    for reference in list(document.findall(nodes.footnote_reference)):
        parent = reference.parent
        index = parent.index(reference)
        following = parent.children[index + 1 : index + 2]
        if following and isinstance(following[0], nodes.footnote_reference):
            parent.insert(index + 1, separator())


def numbered_name(self: Any, kind: str, ids: Sequence[str], caption: str) -> str:
    """How an HTML page names a figure or table that it links data to: its
    number as the caption shows it ("Fig. 3", "Table 2", in a caption-number
    span as Sphinx writes it), else its caption in quotes, else ""."""
    key = f"{self.docnames[-1]}/{kind}" if self.builder.name == "singlehtml" else kind
    numbers = self.builder.fignumbers.get(key, {})
    for node_id in ids:
        if node_id in numbers:
            number = ".".join(map(str, numbers[node_id]))
            text = self.config.numfig_format[kind] % number
            return f'<span class="caption-number">{html.escape(text)}</span>'
    words = " ".join(caption.split())
    if words:
        quoted = html.escape(words)
        return f"\N{LEFT DOUBLE QUOTATION MARK}{quoted}\N{RIGHT DOUBLE QUOTATION MARK}"
    return ""
