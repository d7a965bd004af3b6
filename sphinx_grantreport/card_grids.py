"""The ``kpi-cards`` directive: one card per row of a query, or per key of a
keyed metric, in a sphinx-design grid. One query gives every card, so a
grid of 70 communities costs one query, not 70."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx_design.grids import gutter_option, row_columns_option
from sphinx_design.shared import create_component

from .cards import KpiCardDirective
from .engine import QueryResult
from .errors import ReportError
from .metric_definitions import Measurement
from .metrics import key_text
from .myst_options import check_not_cut
from .report_warnings import warn
from .session import Session, get_session
from .values import value_node

_ORDERED = re.compile(r"\border\s+by\b", re.IGNORECASE)

#: The most cards one directive makes: a grid is for a glance, a table for more.
MAX_CARDS = 200

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
        location = (self.env.docname, self.lineno)
        session = get_session(self.env)
        try:
            rows = self._rows(session, location)
        except ReportError as error:
            warn(error, location)
            placeholder = value_node(None)
            self.set_source_info(placeholder)
            return [nodes.paragraph("", "", placeholder)]
        result, keys, value_column, measurements = rows
        pairs = list(zip(result.rows, measurements, strict=True))
        if not _ORDERED.search(result.sql):
            # a GROUP BY's order may change from one build to the next
            pairs.sort(key=lambda pair: pair[1].key)
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
                    measurement, location, _column_reader(columns, value_column)
                )
            words = {
                name: "" if cell is None else numbers.format(cell)
                for name, cell in columns.items()
            }
            row_node += self._assemble(value, parts, words, context, in_grid=True)
        return [grid]

    def _rows(
        self, session: Session, location: tuple[str, int]
    ) -> tuple[QueryResult, tuple[str, ...], str, list[Measurement]]:
        """The result, its key columns, its value column, and a measurement
        for each row."""
        metric, sql = self.options.get("metric"), self.options.get("sql")
        if (metric is None) == (sql is None):
            raise ReportError(
                "option",
                "kpi-cards needs exactly one of :metric: or :sql:"
                + (" (both given)" if metric else " (neither given)"),
            )
        if metric is not None:
            return self._keyed_rows(session, location, metric)
        assert sql is not None
        check_not_cut("sql", sql, self.content)
        result = session.query(self.env, location, sql)
        _check_size(result)
        value_column = self.options.get("value")
        if value_column is None:
            raise ReportError("option", "kpi-cards with :sql: needs :value: COLUMN")
        if value_column not in result.columns:
            raise ReportError(
                "column",
                f":value: {value_column} is not a column of the query "
                f"(columns: {', '.join(result.columns)})",
            )
        index = result.columns.index(value_column)
        keys = tuple(c for c in result.columns if c != value_column)[:1]
        where = result.columns.index(keys[0]) if keys else None
        measurements = [
            Measurement(
                row[index],
                result.sql,
                result.files,
                result.tables,
                params=result.params,
                views=result.views,
                key=(key_text(row[where]),) if where is not None else (str(number),),
            )
            for number, row in enumerate(result.rows, 1)
        ]
        return result, keys, value_column, measurements

    def _keyed_rows(
        self, session: Session, location: tuple[str, int], metric: str
    ) -> tuple[QueryResult, tuple[str, ...], str, list[Measurement]]:
        definition = session.definitions.metrics.get(metric)
        if definition is None or not definition.key_columns:
            raise ReportError(
                "key",
                f'kpi-cards :metric: needs a keyed metric (with key = "COLUMN"); '
                f"{metric!r} is {'not defined' if definition is None else 'not keyed'}",
            )
        assert definition.sql is not None
        keyed = session.evaluator.keyed(metric, session.page_params(self.env))
        result = session.query(self.env, location, definition.sql)
        _check_size(result)
        keys = definition.key_columns
        value_column = next(c for c in result.columns if c not in keys)
        where = [result.columns.index(column) for column in keys]
        measurements = [
            keyed.pick(tuple(key_text(row[i]) for i in where)) for row in result.rows
        ]
        return result, keys, value_column, measurements


def _check_size(result: QueryResult) -> None:
    if len(result.rows) > MAX_CARDS:
        raise ReportError(
            "result",
            f"kpi-cards would make {len(result.rows):,} cards; a grid may have at "
            f"most {MAX_CARDS} (LIMIT the query, or show it as a kpi-table)",
        )


def _column_reader(
    columns: dict[str, Any], value_column: str
) -> Callable[[str], Measurement]:
    """How a card of a row reads its :compare: and :target: references: a
    column of the row, or a number."""

    def read(reference: str) -> Measurement:
        reference = reference.strip()
        if reference in columns:
            value = columns[reference]
            if value is None:
                raise ReportError("result", f"column {reference} is NULL in a row")
            return Measurement(value)
        try:
            return Measurement(Decimal(reference))
        except InvalidOperation:
            raise ReportError(
                "column",
                f"{reference!r} is neither a column of the query nor a number "
                f"(columns: {', '.join(c for c in columns if c != value_column)})",
            ) from None

    return read


def setup_card_grids(app: Sphinx) -> None:
    app.add_directive("kpi-cards", KpiCardsDirective)
