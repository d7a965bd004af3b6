"""Small doctree builders that several directives use: a table from rows of
text, and the visitor of builders that leave a node out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from docutils import nodes


def table_node(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    classes: Sequence[str] = (),
    max_width: int | None = None,
) -> nodes.table:
    """A table with a header row; each column as wide as its longest cell
    (capped at ``max_width``), which LaTeX and text output size columns by."""
    group = nodes.tgroup(cols=len(header))
    for index, title in enumerate(header):
        width = max([len(title), *(len(row[index]) for row in rows)])
        group += nodes.colspec(colwidth=min(width, max_width or width))
    group += nodes.thead("", _row(header))
    group += nodes.tbody("", *(_row(row) for row in rows))
    return nodes.table("", group, classes=list(classes))


def _row(cells: Sequence[str]) -> nodes.row:
    return nodes.row(
        "", *(nodes.entry("", nodes.paragraph(cell, cell)) for cell in cells)
    )


def skip(self: Any, node: nodes.Node) -> None:
    """Builders with no way to show a node (a download in print, a bar in a
    man page) leave it out: the words next to it say the same."""
    raise nodes.SkipNode


def depart_nothing(self: Any, node: nodes.Node) -> None:
    """The visitor opened nothing to close."""
