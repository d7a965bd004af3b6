"""The rows of a ``kpi-cards`` grid: one query gives every card, so a grid
of 70 communities costs one query, not 70. No Sphinx here: both engines
make their cards from these rows."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from .engine import QueryResult
from .errors import ReportError
from .metric_definitions import Measurement
from .metrics import MetricEvaluator, key_text

#: The most cards one directive makes: a grid is for a glance, a table for more.
MAX_CARDS = 200

_ORDERED = re.compile(r"\border\s+by\b", re.IGNORECASE)

#: The result, its key columns, its value column, a measurement per row.
CardRows = tuple[QueryResult, tuple[str, ...], str, list[Measurement]]


def card_rows(
    options: Mapping[str, Any],
    query: Callable[[str], QueryResult],
    evaluator: MetricEvaluator,
    page: Mapping[str, Any] | None = None,
) -> CardRows:
    """The cards' rows, from ``:sql:`` (with ``:value:``) or a keyed
    ``:metric:``; ``query`` runs a query for the page."""
    metric, sql = options.get("metric"), options.get("sql")
    if (metric is None) == (sql is None):
        raise ReportError(
            "option",
            "kpi-cards needs exactly one of :metric: or :sql:"
            + (" (both given)" if metric else " (neither given)"),
        )
    if metric is not None:
        return _keyed_rows(query, evaluator, metric, page)
    result = query(str(sql))
    _check_size(result)
    value_column = options.get("value")
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
    query: Callable[[str], QueryResult],
    evaluator: MetricEvaluator,
    metric: str,
    page: Mapping[str, Any] | None,
) -> CardRows:
    definition = evaluator.metrics.get(metric)
    if definition is None or not definition.key_columns:
        raise ReportError(
            "key",
            f'kpi-cards :metric: needs a keyed metric (with key = "COLUMN"); '
            f"{metric!r} is {'not defined' if definition is None else 'not keyed'}",
        )
    assert definition.sql is not None
    keyed = evaluator.keyed(metric, page)
    result = query(definition.sql)
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


def column_reader(
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


def in_order(rows: CardRows) -> list[tuple[tuple[Any, ...], Measurement]]:
    """Each row with its measurement: in the query's order if it has an
    ORDER BY, else by key (a GROUP BY's order may change between builds)."""
    result, _, _, measurements = rows
    pairs = list(zip(result.rows, measurements, strict=True))
    if not _ORDERED.search(result.sql):
        pairs.sort(key=lambda pair: pair[1].key)
    return pairs
