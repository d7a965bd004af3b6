"""The ``kpi-card`` directive: a sphinx-design card whose number is computed."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective
from sphinx_design.cards import CardDirective
from sphinx_design.shared import create_component, is_component

from .build_state import get_session
from .errors import ReportError
from .indicators import delta_paragraph, progress_nodes, sparkline
from .myst_options import check_not_cut
from .report_warnings import warn
from .title_templates import TITLE_FIELDS, parse_template
from .values import kpi_value, value_node

#: Words of a title that neither MyST nor reST reads as markup: letters,
#: digits, spaces, commas, "%" and a full stop that ends a word (no
#: emphasis, link, role, replacement, smart quote or bare domain name).
#: Taken as they are, not parsed: cProfile of 500 cards showed parsing
#: their titles at 0.29 ms a card, a quarter of what a card cost.
PLAIN_WORDS = re.compile(r"(?:[^\W_]|[ ,%]|\.(?!\w))*")

if TYPE_CHECKING:
    from .metric_definitions import Measurement
    from .session import Session


class kpi_card(nodes.container):
    """A KPI card: a sphinx-design card (``sd-card`` classes) of our own node
    type, so builders can give it a rendering of its own."""


class kpi_card_title(nodes.paragraph):
    """A card's title: in HTML a heading one level below its section's (for
    heading navigation), a paragraph in every other builder."""


def visit_card_title_html(self: Any, node: kpi_card_title) -> None:
    level = min(getattr(self, "section_level", 1) + 1, 6)
    self.body.append(
        self.starttag(node, "p", "", role="heading", **{"aria-level": str(level)})
    )


def depart_card_title_html(self: Any, node: kpi_card_title) -> None:
    self.body.append("</p>\n")


class KpiCardDirective(SphinxDirective):
    """A card showing one computed value, with a title and optional body.

    A title containing ``{value}`` reads as a sentence with the value in bold;
    any other title is a label under the value shown large.
    """

    has_content = True
    optional_arguments = 1
    final_argument_whitespace = True
    option_spec: ClassVar[dict[str, Callable[[str], Any]]] = {
        "metric": directives.unchanged_required,
        "key": directives.unchanged_required,
        "sql": directives.unchanged_required,
        "format": directives.unchanged_required,
        "round": directives.unchanged_required,
        "link": directives.unchanged_required,
        "link-type": lambda arg: directives.choice(arg, ("url", "any", "ref", "doc")),
        "link-alt": directives.unchanged,
        "class-card": directives.class_option,
        "compare": directives.unchanged_required,
        "delta": lambda arg: _each(arg, ("percent", "absolute")),
        "compare-label": directives.unchanged,
        "down-is-good": lambda arg: _each(arg or "yes", ("yes", "no")),
        "target": directives.unchanged_required,
        "trend": directives.unchanged_required,
    }

    #: What each option does; the reference documentation is built from it.
    option_help: ClassVar[dict[str, str]] = {
        "metric": "A named metric (grantreport_metrics or the metrics file).",
        "key": "The key of a keyed metric whose value the card shows: "
        "utoronto, or $hub for a parameter's value; a keyed :compare: or "
        ":target: metric takes the same key.",
        "sql": "A query returning one row of one value, instead of :metric:.",
        "format": "A format name (number, compact, currency-compact...) with an "
        "optional :N precision, or a Python format spec; overrides the metric's.",
        "round": "floor:STEP, ceil:STEP or nearest:STEP (10, 0.1e6, 2sig); "
        "overrides the metric's.",
        "link": "Makes the whole card a link: a URL, or a document or label "
        "with :link-type:.",
        "link-type": "url (default), doc, ref or any, as sphinx-design's card.",
        "link-alt": "The link's accessible text (default: the card's words).",
        "class-card": "Extra CSS classes for the card.",
        "compare": "A metric, a number or a query to compare the value with: "
        "the card shows the change, with an arrow, a colour and words that say "
        "good or bad. Several, separated by ';', give one line each "
        "(last_year; last_month).",
        "delta": "percent (default) or absolute: how the change is shown; one "
        "for all comparisons, or one per comparison separated by ';'.",
        "compare-label": "Words after the change, such as 'vs 2022'; with "
        "several comparisons, one per comparison separated by ';'.",
        "down-is-good": "A fall is good news (costs, wait times): flips the "
        "colours. Alone it applies to every comparison; 'no; yes' gives one "
        "per comparison.",
        "target": "A number or a metric to reach: the card shows the progress "
        "toward it, as a bar and in words.",
        "trend": "A query returning (x, y) rows: the card draws a sparkline.",
    }

    def run(self) -> list[nodes.Node]:
        location = (self.env.docname, self.lineno)
        value, measurement, label = self._value(location)
        template = self.arguments[0] if self.arguments else (label or "")
        parts = self._template(template, TITLE_FIELDS, location)
        context: list[nodes.Node] = []
        if measurement is not None:
            session = get_session(self.env)

            def resolve(reference: str) -> Measurement:
                return _measure_reference(
                    session, self.env, location, reference, measurement
                )

            context = self._context(measurement, location, resolve)
        in_grid = is_component(self.state_machine.node, "grid-row")
        return [self._assemble(value, parts, {"label": label or ""}, context, in_grid)]

    def _template(
        self, template: str, fields: Collection[str], location: tuple[str, int]
    ) -> list[tuple[str, str | None]]:
        try:
            return parse_template(template, fields)
        except ReportError as error:
            warn(error, location)
            return [(template, None)]  # shown as written, braces and all

    def _assemble(
        self,
        value: kpi_value,
        parts: list[tuple[str, str | None]],
        words: Mapping[str, str],
        context: list[nodes.Node],
        in_grid: bool,
    ) -> nodes.Element:
        """The card (in a grid, its grid item): the number, the title with
        ``words`` for its fields, the context and the directive's body."""
        sentence = any(field == "value" for _, field in parts)
        card_options = {
            key: self.options[key]
            for key in ("link", "link-type", "link-alt")
            if key in self.options
        }
        if "link" in card_options:
            # Screen readers announce the stretched link by its text: make it
            # the card's words rather than a bare URL.
            card_options.setdefault("link-alt", _plain_title(parts, value, words))
        card_options["class-card"] = [
            "kpi-card",
            "kpi-card-sentence" if sentence else "kpi-card-big",
            *self.options.get("class-card", []),
        ]
        if in_grid:  # fill the grid cell, as sphinx-design's grid-item-card does
            card_options["width"] = "100%"
            card_options["margin"] = []
        design_card = CardDirective.create_card(self, None, card_options)
        card = kpi_card(design_card.rawsource, *design_card.children)
        card.attributes.update(design_card.attributes)
        self.set_source_info(card)

        body = card_body(card)
        heading = self._title(parts, value, words)
        if heading is not None:
            body.insert(0, heading)
        position = body.index(heading) + 1 if heading is not None else 0
        body[position:position] = context
        if not sentence:
            number = nodes.paragraph("", "", value, classes=["kpi-card-number"])
            self.set_source_info(number)
            body.insert(0, number)

        if not in_grid:
            return card
        column = create_component("grid-item", ["sd-col", "sd-d-flex-row"])
        self.set_source_info(column)
        column += card
        return column

    def _value(
        self, location: tuple[str, int]
    ) -> tuple[kpi_value, Measurement | None, str | None]:
        """The value node, its measurement, and the metric's label if any."""
        metric, sql = self.options.get("metric"), self.options.get("sql")
        if (metric is None) == (sql is None):
            warn(
                ReportError(
                    "option",
                    "kpi-card needs exactly one of :metric: or :sql:"
                    + (" (both given)" if metric else " (neither given)"),
                ),
                location,
            )
            return value_node(None), None, None
        try:
            check_not_cut("sql", sql, self.content)
        except ReportError as error:
            warn(error, location)
            return value_node(None), None, None
        session = get_session(self.env)
        shown = session.show(
            self.env,
            location,
            metric=metric,
            sql=sql,
            key=self.options.get("key"),
            format_spec=self.options.get("format"),
            rounding=self.options.get("round"),
        )
        definition = session.definitions.metrics.get(metric or "")
        measurement = shown.measurement if shown else None
        return value_node(shown), measurement, definition.label if definition else None

    def _context(
        self,
        measurement: Measurement,
        location: tuple[str, int],
        resolve: Callable[[str], Measurement],
    ) -> list[nodes.Node]:
        """The change, the progress and the trend the options ask for; each
        :compare: and :target: reference is measured by ``resolve``."""
        from .card_context import Change, changes_and_progress

        session = get_session(self.env)
        numbers = session.definitions.numbers
        format_spec = measurement.format_spec(self.options.get("format"))
        context: list[nodes.Node] = []
        if measurement.as_of is not None:
            day = numbers.format(measurement.as_of)
            context.append(
                nodes.paragraph(
                    f"As of {day}", f"As of {day}", classes=["kpi-card-as-of"]
                )
            )
        try:
            for said in changes_and_progress(
                self.options, measurement, resolve, numbers
            ):
                if isinstance(said, Change):
                    context.append(delta_paragraph(said))
                else:
                    context += progress_nodes(said)
            if "trend" in self.options:
                rows = session.query(self.env, location, self.options["trend"]).rows
                context.append(sparkline(rows, numbers, format_spec))
        except ReportError as error:
            warn(error, location)
        return context

    def _title(
        self,
        parts: list[tuple[str, str | None]],
        value: kpi_value,
        words: Mapping[str, str],
    ) -> nodes.paragraph | None:
        if not any(literal or field for literal, field in parts):
            return None
        title = kpi_card_title(
            "", "", classes=["sd-card-title", "sd-font-weight-bold", "kpi-card-title"]
        )
        self.set_source_info(title)
        for literal, field in parts:
            if literal and PLAIN_WORDS.fullmatch(literal):
                title += nodes.Text(literal)
            elif literal:
                inline_nodes, messages = self.state.inline_text(literal, self.lineno)
                title.extend(inline_nodes)
                title.extend(messages)
            if field == "value":
                title += nodes.strong("", "", value.deepcopy())
            elif field is not None:  # data, as text: never read as markup
                title += nodes.Text(words.get(field, ""))
        return title


def _plain_title(
    parts: list[tuple[str, str | None]], value: kpi_value, words: Mapping[str, str]
) -> str:
    """The card's title as plain text, with the value where it stands."""
    words = {**words, "value": value.astext()}
    text = "".join(literal + words.get(field or "", "") for literal, field in parts)
    if not any(field == "value" for _, field in parts):
        text = f"{value.astext()} {text}"
    return " ".join(text.split())


def _each(text: str, choices: tuple[str, ...]) -> str:
    """An option of one choice, or of one per comparison separated by ';'."""
    from .card_context import parts

    for part in parts(text):
        directives.choice(part, choices)
    return text


def _measure_reference(
    session: Session,
    env: Any,
    location: object,
    reference: str,
    shown: Measurement,
) -> Measurement:
    """A :compare: or :target: value: a number, a query or a metric name
    (``name[key]``; a keyed metric without a key takes the shown value's)."""
    from .card_context import read_reference
    from .metric_definitions import Measurement

    named = read_reference(reference)
    if named.number is not None:
        return Measurement(named.number)
    if named.sql is not None:
        return session.measure(env, location, sql=named.sql)
    assert named.metric is not None
    key = named.key_for(shown, session.definitions.metrics)
    return session.measure(env, location, metric=named.metric, key=key)


def card_body(card: nodes.Element) -> nodes.Element:
    """The body of a sphinx-design card, where its words go."""
    return next(
        child
        for child in card.findall(nodes.container)
        if is_component(child, "card-body")
    )


def setup_cards(app: Sphinx) -> None:
    from .card_print import PrintCardShape, depart_card_latex, visit_card_latex

    app.add_node(kpi_card, latex=(visit_card_latex, depart_card_latex))
    app.add_node(kpi_card_title, html=(visit_card_title_html, depart_card_title_html))
    app.add_directive("kpi-card", KpiCardDirective)
    app.add_post_transform(PrintCardShape)
