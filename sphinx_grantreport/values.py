"""The value node: a computed number in a card or a sentence, with where it
came from on hover and keyboard focus, and the check that the words before it
("more than", "over") are true of the data."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform
from sphinx.writers.html5 import HTML5Translator

from .errors import ReportError
from .presentation import ShownValue
from .provenance import PLACEHOLDER
from .report_warnings import warn


class kpi_value(nodes.inline, addnodes.not_smartquotable):
    """A computed value in the text, carrying where it came from.

    A subclass of ``inline`` so that every builder without a visitor of its
    own renders it as plain inline text; and ``not_smartquotable``, so that
    Sphinx's smart quotes (``sphinx.util.nodes.is_smartquotable``) leave its
    text as the data wrote it and kpis.json lists it: ``"a" -- b`` stays.
    """


def value_node(shown: ShownValue | None) -> kpi_value:
    """The node for a shown value or, for None, the placeholder."""
    if shown is None:
        return kpi_value(
            PLACEHOLDER, PLACEHOLDER, classes=["kpi-value", "kpi-unavailable"]
        )
    measurement = shown.measurement
    node = kpi_value(
        shown.text,
        shown.text,
        classes=["kpi-value"],
        metric=measurement.metric.name if measurement.metric else "",
        query=measurement.query or "",
        sources="; ".join(fact.shown() for fact in shown.sources),
    )
    if measurement.as_of:
        node["as_of"] = measurement.as_of.isoformat()
    if shown.exact is not None and shown.number is not None:
        # for the wording around it (see ProseClaims), not kept in the doctree
        node["claim"] = (str(shown.exact), str(shown.number))
    return node


#: Words just before a value that claim the true value is at least what is
#: shown. In a sentence "over" often means "during" or "across" ("over 12
#: days"), so there it only catches a number rounded up ("over $5.6M" for
#: 5,550,000), not one shown exactly.
CLAIM_RE = re.compile(r"\b(more\s+than|over|above|at\s+least)\s*$", re.IGNORECASE)


class ProseClaims(SphinxTransform):
    """ "More than {value}", in a card's title or in a sentence, must be true
    of the data and not only of the rounded number the reader sees."""

    default_priority = 800

    def apply(self, **kwargs: Any) -> None:
        for node in list(self.document.findall(kpi_value)):
            if "claim" not in node:
                continue
            exact, shown = (Decimal(text) for text in node["claim"])
            del node["claim"]
            # the value itself, or the emphasis or bold around it only
            anchor = node
            while isinstance(anchor.parent, nodes.Inline) and len(anchor.parent) == 1:
                anchor = anchor.parent
            parent = anchor.parent
            # the text before it in its paragraph (MyST splits lines into nodes)
            before = "".join(n.astext() for n in parent[: parent.index(anchor)])
            claim = CLAIM_RE.search(before[-40:])
            if claim is None:
                continue
            wording = " ".join(claim[1].split())
            in_title = "kpi-card-title" in parent.get("classes", [])
            loose = wording.lower() == "at least" or (
                wording.lower() == "over" and not in_title
            )
            if exact < shown or (not loose and exact == shown):
                warn(
                    ReportError(
                        "claim",
                        f'"{wording} {node.astext()}" is not true of the data, '
                        f"which says {exact}: round with floor:STEP below the value",
                    ),
                    node,
                )


_DATA_ATTRIBUTES = {
    "metric": "data-kpi-metric",
    "query": "data-kpi-query",
    "as_of": "data-kpi-as-of",
}


def visit_kpi_value_html(self: HTML5Translator, node: kpi_value) -> None:
    attributes = {
        html: node[key] for key, html in _DATA_ATTRIBUTES.items() if node.get(key)
    }
    if node.get("sources"):
        # Where the number comes from, on hover (title) and on keyboard focus.
        attributes["data-kpi-sources"] = node["sources"]
        origin = f"Computed from {node['sources']}"
        if node.get("as_of"):
            origin += f", data as of {node['as_of']}"
        if node.get("query"):
            origin += f", by: {node['query'].strip()}"
        attributes["title"] = origin
        attributes["tabindex"] = "0"
    self.body.append(self.starttag(node, "span", "", **attributes))


def depart_kpi_value_html(self: HTML5Translator, node: kpi_value) -> None:
    self.body.append("</span>")


def setup_values(app: Sphinx) -> None:
    app.add_node(kpi_value, html=(visit_kpi_value_html, depart_kpi_value_html))
    app.add_transform(ProseClaims)
