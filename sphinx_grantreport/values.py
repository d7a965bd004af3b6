"""The value node: a computed number in a card or a sentence, the "Source"
toggletip of each card or paragraph that holds values (where they came from),
and the check that the words before a value ("more than", "over") are true of
the data."""

from __future__ import annotations

import html
import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.writers.html5 import HTML5Translator

from .errors import ReportError
from .provenance import PLACEHOLDER
from .report_warnings import warn

if TYPE_CHECKING:
    from .presentation import ShownValue


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
    if measurement.key:
        node["key"] = ", ".join(measurement.key)
    if shown.raw_text is not None:
        node["raw"] = shown.raw_text
    if shown.params:
        node["params"] = shown.params
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
    "key": "data-kpi-key",
    "query": "data-kpi-query",
    "as_of": "data-kpi-as-of",
    "raw": "data-kpi-raw",
    "params": "data-kpi-params",
    "tip": "aria-describedby",
}


def visit_kpi_value_html(self: HTML5Translator, node: kpi_value) -> None:
    """The value as plain text: a screen reader hears the number, and the
    keyboard does not stop on it; its provenance is in data attributes here
    and in words in the Source toggletip of its paragraph or card."""
    attributes = {
        name: node[key] for key, name in _DATA_ATTRIBUTES.items() if node.get(key)
    }
    if node.get("sources"):
        attributes["data-kpi-sources"] = node["sources"]
    self.body.append(self.starttag(node, "span", "", **attributes))


def depart_kpi_value_html(self: HTML5Translator, node: kpi_value) -> None:
    self.body.append("</span>")


class kpi_source_tip(nodes.Inline, nodes.Element):
    """The "Source" button of a paragraph or card that holds values, and the
    panel it opens: each value's sources, as-of date and query (HTML only)."""


def _tip_entry(value: kpi_value) -> dict[str, str]:
    return {
        "value": value.astext(),
        "key": value.get("key", ""),
        "raw": value.get("raw", ""),
        "sources": value["sources"],
        "as_of": value.get("as_of", ""),
        "params": value.get("params", ""),
        "query": " ".join(value.get("query", "").split()),
    }


class SourceTips(SphinxPostTransform):
    """One toggletip per card, or per paragraph (caption, list item...), that
    holds values with sources: on a line just after the paragraph, or as the
    last line of the card's body. A value in a heading is left without one (a button in
    a heading would become part of its name); the data appendix lists it."""

    default_priority = 210  # after the card's shape and references
    formats = ("html",)

    def run(self, **kwargs: Any) -> None:
        from .cards import card_body, kpi_card  # cards import this module

        groups: dict[int, tuple[nodes.Element, list[kpi_value]]] = {}
        for value in self.document.findall(kpi_value):
            if not value.get("sources"):
                continue
            holder: nodes.Element | None = value.parent
            block = None  # the paragraph (caption, title...) the value is in
            while holder is not None and not isinstance(holder, kpi_card):
                if (
                    block is None
                    and isinstance(holder, nodes.TextElement)
                    and not isinstance(holder, nodes.Inline)
                ):
                    block = holder
                holder = holder.parent
            if holder is not None:  # in a card: the card's one button
                block = holder
            if block is None or isinstance(block, (nodes.title, nodes.subtitle)):
                continue
            groups.setdefault(id(block), (block, []))[1].append(value)
        for block, values in groups.values():
            number = self.env.new_serialno("kpi-source-tip")
            seen: list[dict[str, str]] = []
            for value in values:
                entry = _tip_entry(value)
                if entry not in seen:
                    seen.append(entry)
            tip = kpi_source_tip("", entries=seen, tip_id=f"kpi-source-{number}")
            for value in values:  # each value is described by its panel
                value["tip"] = tip["tip_id"]
            if isinstance(block, kpi_card):
                line = nodes.paragraph("", "", tip, classes=["kpi-card-source"])
                card_body(block).append(line)
            else:  # a line of its own after the paragraph: its words stay its own
                line = nodes.paragraph("", "", tip, classes=["kpi-source-line"])
                block.parent.insert(block.parent.index(block) + 1, line)


def _tip_item(entry: dict[str, str]) -> str:
    words = f"computed from {html.escape(entry['sources'])}"
    if entry["key"]:
        words = f"for {html.escape(entry['key'])}, {words}"
    if entry["raw"]:
        words = f"(exactly {html.escape(entry['raw'])}) {words}"
    if entry["as_of"]:
        words += f", data as of {html.escape(entry['as_of'])}"
    if entry["params"]:
        words += f", with {html.escape(entry['params'])}"
    query = (
        f' <span class="kpi-tip-query">by <code>{html.escape(entry["query"])}</code>'
        "</span>"
        if entry["query"]
        else ""
    )
    return (
        '<span class="kpi-tip-item" role="listitem">'
        f'<span class="kpi-tip-value">{html.escape(entry["value"])}</span> '
        f"{words}{query}</span> "
    )


def visit_source_tip_html(self: HTML5Translator, node: kpi_source_tip) -> None:
    """A disclosure button and its panel, inline (a paragraph holds it). With
    JavaScript, grantreport.js makes the panel a toggletip the button opens
    and Esc closes; without, the button stays hidden and the panel shows as a
    line of small text."""
    tip_id = html.escape(node["tip_id"])
    entries = node["entries"]
    label = "Source" if len(entries) == 1 else "Sources"
    items = "".join(_tip_item(entry) for entry in entries)
    self.body.append(
        f' <span class="kpi-tip"><button type="button" class="kpi-tip-button" '
        f'aria-expanded="false" aria-controls="{tip_id}">{label}</button>'
        f'<span class="kpi-tip-panel" id="{tip_id}">'
        f'<span class="kpi-tip-heading">{label}:</span> '
        f'<span class="kpi-tip-list" role="list">{items}</span></span></span>'
    )
    raise nodes.SkipNode


def setup_values(app: Sphinx) -> None:
    app.add_node(kpi_value, html=(visit_kpi_value_html, depart_kpi_value_html))
    app.add_node(kpi_source_tip, html=(visit_source_tip_html, None))
    app.add_transform(ProseClaims)
    app.add_post_transform(SourceTips)
