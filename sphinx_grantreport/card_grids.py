"""The ``kpi-cards`` directive: one card per row of a query, or per key of a
keyed metric, in a sphinx-design grid. One query gives every card, so a
grid of 70 communities costs one query, not 70."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx_design.grids import gutter_option, row_columns_option
from sphinx_design.shared import create_component

from .build_state import get_session
from .cards import KpiCardDirective
from .errors import ReportError
from .myst_options import check_not_cut
from .report_warnings import warn
from .values import value_node

if TYPE_CHECKING:
    from .card_rows import CardRows
    from .session import Session

_SHARED_OPTIONS = (
    "format",
    "round",
    "compare",
    "compare-label",
    "delta",
    "down-is-good",
    "target",
    "class-card",
)


class KpiCardsDirective(KpiCardDirective):
    """A grid with a card for each row of ``:sql:`` (or each key of a keyed
    ``:metric:``): the title a template over the row's columns, the number
    from ``:value:``, and :compare: or :target: from another column."""

    has_content = False
    optional_arguments = 0
    option_spec: ClassVar[dict[str, Callable[[str], Any]]] = {
        "sql": directives.unchanged_required,
        "metric": directives.unchanged_required,
        "title": directives.unchanged,
        "value": directives.unchanged_required,
        "columns": row_columns_option,
        "gutter": gutter_option,
        **{key: KpiCardDirective.option_spec[key] for key in _SHARED_OPTIONS},
    }
    option_help: ClassVar[dict[str, str]] = {
        "sql": "A query with one row per card.",
        "metric": "A keyed metric, instead of :sql:: one card per key, with the "
        "metric's format, rounding and checks.",
        "title": "Each card's title: a template over the row's columns "
        "({region}), with {value} for a sentence card. Default: the key columns.",
        "value": "The column of the number each card shows (a keyed metric's "
        "own value column when left out).",
        "columns": "Cards per row, as sphinx-design's grid takes them: one "
        "number, or four for phone, tablet, laptop and desktop (1 2 3 3).",
        "gutter": "The space between cards, as sphinx-design's grid :gutter:.",
        "format": "The format of each card's number (see Formats).",
        "round": "The rounding of each card's number (see Rounding).",
        "compare": "A column (or a number) to compare each card's number with; "
        "several separated by ';', as kpi-card's.",
        "compare-label": "Words after each change, as kpi-card's.",
        "delta": "percent (default) or absolute, as kpi-card's.",
        "down-is-good": "A fall is good news, as kpi-card's.",
        "target": "A column (or a number) to reach: each card shows its progress.",
        "class-card": "Extra CSS classes for each card.",
    }

    def run(self) -> list[nodes.Node]:
        from .card_rows import column_reader, in_order

        location = (self.env.docname, self.lineno)
        session = get_session(self.env)
        try:
            rows = self._rows(session, location)
        except ReportError as error:
            warn(error, location)
            placeholder = value_node(None)
            self.set_source_info(placeholder)
            return [nodes.paragraph("", "", placeholder)]
        result, keys, value_column, _ = rows
        pairs = in_order(rows)
        fields = [*result.columns, "value"]
        default_title = ", ".join("{" + column + "}" for column in keys)
        parts = self._template(
            self.options.get("title", default_title), fields, location
        )
        grid = create_component(
            "grid-container", ["sd-container-fluid", "sd-sphinx-override", "sd-mb-4"]
        )
        row_node = create_component(
            "grid-row",
            [
                "sd-row",
                "kpi-cards",
                *self.options.get("columns", row_columns_option("1 2 3 3")),
                *self.options.get("gutter", []),
            ],
        )
        self.set_source_info(grid)
        self.set_source_info(row_node)
        grid += row_node
        numbers = session.definitions.numbers
        for row, measurement in pairs:
            shown = session.present(
                self.env,
                location,
                measurement,
                format_spec=self.options.get("format"),
                rounding=self.options.get("round"),
                metric=self.options.get("metric"),
                sql=self.options.get("sql"),
            )
            value = value_node(shown)
            self.set_source_info(value)
            columns = dict(zip(result.columns, row, strict=True))
            context: list[nodes.Node] = []
            if shown is not None:
                context = self._context(
                    measurement, location, column_reader(columns, value_column)
                )
            words = {
                name: "" if cell is None else numbers.format(cell)
                for name, cell in columns.items()
            }
            row_node += self._assemble(value, parts, words, context, in_grid=True)
        return [grid]

    def _rows(self, session: Session, location: tuple[str, int]) -> CardRows:
        """The result, its key columns, its value column, and a measurement
        for each row."""
        from .card_rows import card_rows

        check_not_cut("sql", self.options.get("sql"), self.content)
        return card_rows(
            self.options,
            lambda sql: session.query(self.env, location, sql),
            session.evaluator,
            session.page_params(self.env),
        )


def setup_card_grids(app: Sphinx) -> None:
    app.add_directive("kpi-cards", KpiCardsDirective)
