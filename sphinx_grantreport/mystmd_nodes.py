"""The mdast that the mystmd engine answers with: nodes mystmd renders
(text, strong, paragraph, card, grid, container, image, table), and each
answer's warnings. No Sphinx here."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ReportError

#: What a reader sees where a number or a chart could not be made (as in
#: the Sphinx build).
VALUE_PLACEHOLDER = "⚠ metric unavailable"
FIGURE_PLACEHOLDER = "⚠ figure unavailable"

#: Where charts are drawn, under the project; mystmd copies an image given
#: by a root-relative URL into the site or export.
CHART_DIR = Path("_build") / "grantreport"

BODY = {"type": "grantreportBody"}

Node = dict[str, Any]


def text(value: str) -> Node:
    return {"type": "text", "value": value}


def strong(value: str) -> Node:
    return {"type": "strong", "children": [text(value)]}


def paragraph(*children: Node) -> Node:
    return {"type": "paragraph", "children": list(children)}


@dataclass
class Answer:
    """The nodes that replace one role or directive, and its warnings."""

    nodes: list[Node] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)

    def warn(self, error: ReportError) -> None:
        self.warnings.append({"message": error.message, "subtype": error.subtype})


def row(cells: Any, numeric: Any, header: bool = False) -> Node:
    """A table row; numbers right-aligned."""
    return {
        "type": "tableRow",
        "children": [
            {
                "type": "tableCell",
                **({"header": True} if header else {}),
                **({"align": "right"} if number else {}),
                "children": [text(str(cell))],
            }
            for cell, number in zip(cells, numeric, strict=False)
        ],
    }
