"""Metrics computed: each named metric, keyed metric, list and inline query
evaluated at most once per build process (per entity page where its query
reads the page's parameters). No Sphinx nodes here."""

from __future__ import annotations

import datetime
import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .engine import Bound, QueryEngine, QueryResult
from .errors import Memo, ReportError
from .formatting import is_number
from .metric_definitions import Measurement, MetricDefinition
from .report_code import ReportCode


def single_value(result: QueryResult) -> Any:
    """The one value of a one-row, one-column result, or a clear error."""
    if len(result.columns) != 1:
        raise ReportError(
            "result",
            f"query returned {len(result.columns)} columns "
            f"({', '.join(result.columns)}); a number needs exactly one",
        )
    if not result.rows:
        raise ReportError("result", "query returned no row; a number needs exactly one")
    if len(result.rows) > 1:
        raise ReportError(
            "result",
            f"query returned {len(result.rows)} rows; a number needs exactly one "
            "(aggregate with sum(), count() or max(), or add a WHERE)",
        )
    value = result.rows[0][0]
    if value is None:
        raise ReportError("result", "query returned NULL")
    if isinstance(value, str | bytes):
        check_text_size(value, "query")
    return value


#: The longest text a value may have: a value is a few words in a page.
MAX_VALUE_CHARS = 10_000


def check_text_size(value: str | bytes, what: str) -> None:
    """A value far too long for a page (a whole file, a runaway string_agg)
    is an error rather than minutes of work and a page of megabytes."""
    if len(value) > MAX_VALUE_CHARS:
        raise ReportError(
            "result",
            f"{what} returned a text of {len(value):,} characters; a value "
            f"shown in a page may have at most {MAX_VALUE_CHARS:,}",
        )


#: The parameters of the page a value is shown on (an entity page's row).
Page = Mapping[str, Any] | None


def _bound(page: Page) -> Bound:
    return (
        tuple(sorted((name, repr(value)) for name, value in page.items()))
        if page
        else ()
    )


#: The most items a list in a sentence may have.
MAX_LIST_ITEMS = 1_000


def key_text(value: Any) -> str:
    """A key as a page writes it: ``users[utoronto]``, ``prs[2023]``,
    ``active[2023-12-31]``."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


@dataclass(frozen=True)
class KeyedMeasurement:
    """Every value of a keyed metric, by key, from its one query."""

    measurement: Measurement
    values: Mapping[tuple[str, ...], Any]

    def pick(self, key: tuple[str, ...]) -> Measurement:
        """The measurement of one key, or a warning that suggests the nearest."""
        name = self.measurement.metric.name if self.measurement.metric else "?"
        if key not in self.values:
            wanted = ", ".join(key)
            texts = {", ".join(known): known for known in self.values}
            near = difflib.get_close_matches(wanted, texts, n=3, cutoff=0.6)
            hint = (
                f"did you mean {', '.join(near)}?"
                if near
                else f"keys: {self.shown_keys()}"
            )
            raise ReportError("key", f"metric {name!r} has no key {wanted!r}; {hint}")
        value = self.values[key]
        if value is None:
            raise ReportError(
                "result", f"metric {name!r} is NULL for key {', '.join(key)}"
            )
        return replace(self.measurement, value=value, key=key)

    def shown_keys(self, most: int = 5) -> str:
        """A few keys, for a message: "a, b, c and 67 more"."""
        keys = sorted(", ".join(key) for key in self.values)[:most]
        more = len(self.values) - len(keys)
        if not keys:
            return "none: its query returns no row"
        return ", ".join(keys) + (f" and {more} more" if more > 0 else "")


def _measured(
    value: Any,
    result: QueryResult,
    definition: MetricDefinition | None = None,
    as_of: datetime.date | None = None,
) -> Measurement:
    """A value of a query's result, with where the result came from."""
    return Measurement(
        value,
        result.sql,
        result.files,
        result.tables,
        metric=definition,
        params=result.params,
        views=result.views,
        as_of=as_of,
    )


class MetricEvaluator:
    """Evaluates metrics and inline queries, each at most once per instance.

    One instance lives per build process, next to its :class:`QueryEngine`.
    """

    def __init__(
        self,
        engine: QueryEngine,
        metrics: Mapping[str, MetricDefinition],
        search_path: Path,
        timeout: float = 10.0,
    ) -> None:
        self.engine = engine
        self.metrics = metrics
        self.search_path = search_path
        self.code = ReportCode(search_path, timeout)
        self._measurements: Memo[tuple[str, Bound], Measurement] = Memo()
        self._keyed: Memo[tuple[str, Bound], KeyedMeasurement] = Memo()

    def metric(
        self, name: str, key: tuple[str, ...] = (), page: Page = None
    ) -> Measurement:
        """The measurement of a named metric; of a keyed one, that of a key.
        ``page`` holds the parameters of the page it is shown on, if any."""
        definition = self._definition(name)
        if definition.key_columns:
            if not key:
                keyed = self.keyed(name, page)
                raise ReportError(
                    "key",
                    f"metric {name!r} has one value per {definition.key}: pick one "
                    f"as {name}[KEY] (keys: {keyed.shown_keys()})",
                )
            return self.keyed(name, page).pick(key)
        if key:
            raise ReportError(
                "key",
                f"metric {name!r} has no key: write {name} without "
                f'[{", ".join(key)}], or give it key = "COLUMN"',
            )
        return self._measurements.get(
            (name, self._page_key(name, page)), lambda: self._measure(name, page)
        )

    def keyed(self, name: str, page: Page = None) -> KeyedMeasurement:
        """All the values of a keyed metric, from one query per build process."""
        return self._keyed.get(
            (name, self._page_key(name, page)),
            lambda: self._measure_keyed(name, page),
        )

    def listed(self, name: str, page: Page = None) -> Measurement:
        """A metric whose query returns one column of several rows, as a list
        of values (``{kpi}`name:list```)."""
        return self._measurements.get(
            (f"{name}\0list", self._page_key(name, page)),
            lambda: self._list(name, page),
        )

    def _page_key(self, name: str, page: Page) -> Bound:
        """The page's parameters that the metric's queries read: a metric that
        reads none is computed once, not once per entity page."""
        definition = self.metrics.get(name)
        if not page or definition is None:
            return ()
        used = {
            parameter
            for sql in (definition.sql, definition.as_of)
            if sql is not None
            for parameter in self.engine.parameters_used(sql)
        }
        return _bound({key: value for key, value in page.items() if key in used})

    def _definition(self, name: str) -> MetricDefinition:
        definition = self.metrics.get(name)
        if definition is None:
            known = ", ".join(sorted(self.metrics)) or "none defined"
            raise ReportError("metric", f"unknown metric {name!r}; metrics: {known}")
        return definition

    def _measure(self, name: str, page: Page) -> Measurement:
        definition = self._definition(name)
        if definition.sql is not None:
            measurement = self.inline(definition.sql, page)
        else:
            assert definition.function is not None
            measurement = self._call(definition.function)
        return replace(
            measurement, metric=definition, as_of=self._as_of(definition, page)
        )

    def _as_of(self, definition: MetricDefinition, page: Page) -> datetime.date | None:
        """The metric's as_of query, or for a metric that reads only sources'
        snapshots, the day the oldest of them was fetched."""
        if definition.as_of is None:
            if definition.sql is None or not self.engine.origins:
                return None
            tables = self.engine.tables_used(definition.sql)
            origins = [self.engine.origins.get(table) for table in tables]
            if not tables or None in origins:
                return None
            return min(o.fetched_time for o in origins if o is not None).date()
        as_of = single_value(self.engine.query(definition.as_of, page))
        if isinstance(as_of, datetime.datetime):
            as_of = as_of.date()
        if not isinstance(as_of, datetime.date):
            raise ReportError(
                "type",
                f"as_of of metric {definition.name!r} must return a date, "
                f"not {as_of!r}",
            )
        return as_of

    def _measure_keyed(self, name: str, page: Page) -> KeyedMeasurement:
        definition = self._definition(name)
        assert definition.sql is not None  # a keyed metric is a query
        result = self.engine.query(definition.sql, page)
        columns = definition.key_columns
        missing = [column for column in columns if column not in result.columns]
        if missing:
            raise ReportError(
                "key",
                f"metric {name!r} is keyed by {', '.join(columns)}, but its query "
                f"returns no column {', '.join(missing)} (columns: "
                f"{', '.join(result.columns)})",
            )
        rest = [i for i, column in enumerate(result.columns) if column not in columns]
        if len(rest) != 1:
            raise ReportError(
                "result",
                f"keyed metric {name!r} must return its key column(s) and one "
                f"value column, not {len(rest)} more "
                f"({', '.join(result.columns[i] for i in rest) or 'none'})",
            )
        where = [result.columns.index(column) for column in columns]
        values: dict[tuple[str, ...], Any] = {}
        for row in result.rows:
            key = tuple(key_text(row[i]) for i in where)
            if key in values:
                raise ReportError(
                    "key",
                    f"metric {name!r} returns key {', '.join(key)} twice; a keyed "
                    "metric needs one row per key (GROUP BY its key)",
                )
            value = row[rest[0]]
            if isinstance(value, str | bytes):
                check_text_size(value, name)
            values[key] = value
        base = _measured(None, result, definition, self._as_of(definition, page))
        return KeyedMeasurement(base, values)

    def _list(self, name: str, page: Page) -> Measurement:
        definition = self._definition(name)
        if definition.sql is None or definition.key_columns:
            raise ReportError(
                "result",
                f"metric {name!r} cannot be a list: a list needs a query of one "
                "column, without a key",
            )
        result = self.engine.query(definition.sql, page)
        if len(result.columns) != 1 or not result.rows:
            raise ReportError(
                "result",
                f"a list needs a query of one column and at least one row; "
                f"metric {name!r} returns {len(result.columns)} column(s) and "
                f"{len(result.rows)} row(s)",
            )
        if len(result.rows) > MAX_LIST_ITEMS:
            raise ReportError(
                "result",
                f"metric {name!r} returns {len(result.rows):,} rows; a list in a "
                f"sentence may have at most {MAX_LIST_ITEMS:,} (LIMIT it)",
            )
        items = tuple(row[0] for row in result.rows if row[0] is not None)
        return _measured(items, result, definition, self._as_of(definition, page))

    def inline(self, sql: str, page: Page = None) -> Measurement:
        """The measurement of a query written in a page."""
        result = self.engine.query(sql, page)
        return _measured(single_value(result), result)

    def _call(self, reference: str) -> Measurement:
        function, sources = self.import_function(reference)
        value = self.code.call(function, (), f"{reference}", "function")
        if hasattr(value, "item") and callable(value.item):  # NumPy scalars
            value = value.item()
        if isinstance(value, str):
            check_text_size(value, reference)
        if not (is_number(value) or isinstance(value, str)):
            raise ReportError(
                "type",
                f"{reference} returned {value!r} ({type(value).__name__}); "
                "a metric function must return a number or a string",
            )
        return Measurement(value, None, sources)

    def import_function(
        self, reference: str
    ) -> tuple[Callable[..., Any], tuple[Path, ...]]:
        """``module:function`` of the source directory (also for the ``:plot:``
        functions of figures), and the files it depends on."""
        return self.code.load(reference)
