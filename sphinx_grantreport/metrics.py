"""Metrics: their definition, their evaluation (at most once per build process)
and the provenance of each value. No Sphinx nodes here."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from .engine import QueryEngine, QueryResult
from .errors import Memo, ReportError
from .formatting import is_number
from .report_code import ReportCode

_CALLABLE_RE = re.compile(r"^(?P<module>[A-Za-z_][\w.]*):(?P<function>[A-Za-z_]\w*)$")


@dataclass(frozen=True)
class MetricDefinition:
    """A named metric as written in conf.py or the metrics file."""

    name: str
    sql: str | None = None
    function: str | None = None
    format: str | None = None
    round: str | None = None
    label: str | None = None
    description: str | None = None
    expect: str | None = None
    as_of: str | None = None

    @classmethod
    def from_config(cls, name: str, raw: object) -> MetricDefinition:
        """Validate one entry of ``grantreport_metrics`` (or the metrics file).

        An entry is a table of the fields below, or a ``"module:function"``
        string as a shorthand for ``{"function": ...}``.
        """
        if isinstance(raw, str):
            raw = {"function": raw}
        if not isinstance(raw, Mapping):
            raise ReportError(
                "config",
                f"metric {name!r} must be a table of fields or a 'module:function' "
                f"string, not {type(raw).__name__}",
            )
        known = [field.name for field in fields(cls) if field.name != "name"]
        unknown = sorted(set(raw) - set(known))
        if unknown:
            raise ReportError(
                "config",
                f"metric {name!r} has unknown field(s) {', '.join(unknown)}; "
                f"fields: {', '.join(known)}",
            )
        for key, value in raw.items():
            if not isinstance(value, str):
                raise ReportError(
                    "config", f"metric {name!r}: {key} must be a string, got {value!r}"
                )
        if ("sql" in raw) == ("function" in raw):
            raise ReportError(
                "config", f"metric {name!r} needs exactly one of 'sql' or 'function'"
            )
        if "expect" in raw:
            parse_expect(raw["expect"], name)
        if "function" in raw and not _CALLABLE_RE.match(raw["function"]):
            raise ReportError(
                "config",
                f"metric {name!r}: function {raw['function']!r} must read "
                "'module:function'",
            )
        return cls(name=name, **raw)


@dataclass(frozen=True)
class Measurement:
    """A computed value, still typed, with where it came from."""

    value: Any
    query: str | None = None
    files: tuple[Path, ...] = ()
    tables: tuple[str, ...] = ()
    metric: MetricDefinition | None = None
    views: tuple[str, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    as_of: datetime.date | None = None

    def format_spec(self, option: str | None = None) -> str | None:
        """The format to show it in: the directive's option, else the metric's."""
        return option or (self.metric.format if self.metric else None)

    def rounding(self, option: str | None = None) -> str | None:
        """The rounding to show it with: the directive's option, else the metric's."""
        return option or (self.metric.round if self.metric else None)


_RANGE_RE = re.compile(r"^(?P<low>[-+\d.eE]*)\.\.(?P<high>[-+\d.eE]*)$")


def parse_expect(
    text: str, name: str
) -> list[tuple[str, Decimal | None, Decimal | None]]:
    """``expect = "0..100, min_rows:12"``: a range of the value, and the fewest
    rows each table it reads must have. Checked on every build."""
    checks: list[tuple[str, Decimal | None, Decimal | None]] = []
    for part in (piece.strip() for piece in text.split(",")):
        try:
            if match := _RANGE_RE.match(part):
                low = Decimal(match["low"]) if match["low"] else None
                high = Decimal(match["high"]) if match["high"] else None
                checks.append(("range", low, high))
            elif part.startswith("min_rows:"):
                checks.append(("min_rows", Decimal(int(part.split(":", 1)[1])), None))
            elif part == "not_null":
                checks.append(("not_null", None, None))
            else:
                raise ValueError(part)
        except (ValueError, ArithmeticError):
            raise ReportError(
                "config",
                f"metric {name!r}: bad expect {part!r}; use LOW..HIGH (either may "
                "be left out), min_rows:N or not_null, separated by commas",
            ) from None
    return checks


def broken_expectations(measurement: Measurement, engine: QueryEngine) -> list[str]:
    """What the metric's ``expect`` says that the data does not bear out."""
    definition = measurement.metric
    if definition is None or definition.expect is None:
        return []
    problems = []
    for kind, low, high in parse_expect(definition.expect, definition.name):
        value = measurement.value
        if kind == "range" and is_number(value):
            number = Decimal(str(value))
            if (low is not None and number < low) or (
                high is not None and number > high
            ):
                problems.append(
                    f"metric {definition.name!r} is {value}, outside its expected "
                    f"range {definition.expect}"
                )
        elif kind == "min_rows":
            for table in measurement.tables:
                rows = engine.facts(table).rows
                if low is not None and rows < low:
                    problems.append(
                        f"metric {definition.name!r} reads table {table!r}, which has "
                        f"{rows} rows, fewer than the {low} it expects"
                    )
    return problems


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
        self._measurements: Memo[str, Measurement] = Memo()

    def metric(self, name: str) -> Measurement:
        """The measurement of a named metric."""
        return self._measurements.get(name, lambda: self._measure(name))

    def _measure(self, name: str) -> Measurement:
        definition = self.metrics.get(name)
        if definition is None:
            known = ", ".join(sorted(self.metrics)) or "none defined"
            raise ReportError("metric", f"unknown metric {name!r}; metrics: {known}")
        if definition.sql is not None:
            measurement = self.inline(definition.sql)
        else:
            assert definition.function is not None
            measurement = self._call(definition.function)
        as_of = None
        if definition.as_of is not None:
            as_of = single_value(self.engine.query(definition.as_of))
            if isinstance(as_of, datetime.datetime):
                as_of = as_of.date()
            if not isinstance(as_of, datetime.date):
                raise ReportError(
                    "type",
                    f"as_of of metric {name!r} must return a date, not {as_of!r}",
                )
        return replace(measurement, metric=definition, as_of=as_of)

    def inline(self, sql: str) -> Measurement:
        """The measurement of a query written in a page."""
        result = self.engine.query(sql)
        return Measurement(
            single_value(result),
            sql,
            result.files,
            result.tables,
            params=result.params,
            views=result.views,
        )

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
