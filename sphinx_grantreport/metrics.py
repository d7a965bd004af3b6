"""Metrics: their definition, their evaluation (at most once per build process)
and the provenance of each value. No Sphinx nodes here."""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from types import ModuleType
from typing import Any

from .engine import QueryEngine, QueryResult
from .errors import ReportError
from .formatting import is_number

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
    params: Mapping[str, Any] = field(default_factory=dict)


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
    return value


class MetricEvaluator:
    """Evaluates metrics and inline queries, each at most once per instance.

    One instance lives per build process, next to its :class:`QueryEngine`.
    """

    def __init__(
        self,
        engine: QueryEngine,
        metrics: Mapping[str, MetricDefinition],
        search_path: Path,
    ) -> None:
        self.engine = engine
        self.metrics = metrics
        self.search_path = search_path
        self._measurements: dict[str, Measurement | ReportError] = {}
        self._fresh_modules: set[str] = set()

    def metric(self, name: str) -> Measurement:
        """The measurement of a named metric."""
        if name not in self._measurements:
            try:
                self._measurements[name] = self._measure(name)
            except ReportError as error:
                self._measurements[name] = error
        cached = self._measurements[name]
        if isinstance(cached, ReportError):
            raise cached
        return cached

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
        return replace(measurement, metric=definition)

    def inline(self, sql: str) -> Measurement:
        """The measurement of a query written in a page."""
        result = self.engine.query(sql)
        return Measurement(
            single_value(result), sql, result.files, result.tables, params=result.params
        )

    def _call(self, reference: str) -> Measurement:
        function, source = self.import_function(reference)
        try:
            value = function()
        except Exception as exc:
            raise ReportError(
                "function", f"{reference} raised {type(exc).__name__}: {exc}"
            ) from None
        if hasattr(value, "item") and callable(value.item):  # NumPy scalars
            value = value.item()
        if not (is_number(value) or isinstance(value, str)):
            raise ReportError(
                "type",
                f"{reference} returned {value!r} ({type(value).__name__}); "
                "a metric function must return a number or a string",
            )
        return Measurement(value, None, (source,) if source else ())

    def import_function(self, reference: str) -> tuple[Callable[[], Any], Path | None]:
        """Import ``module:function`` from the source directory, re-reading the
        module once per evaluator so that an edited file is seen on rebuild.

        Also used for the ``:plot:`` functions of figures."""
        module_name, _, attribute = reference.partition(":")
        sys.path.insert(0, str(self.search_path))
        try:
            module = importlib.import_module(module_name)
            if module_name not in self._fresh_modules:
                module = importlib.reload(module)
                self._fresh_modules.add(module_name)
        except Exception as exc:
            raise ReportError(
                "function",
                f"cannot import {module_name!r} for {reference}: "
                f"{type(exc).__name__}: {exc}",
            ) from None
        finally:
            sys.path.remove(str(self.search_path))
        function = getattr(module, attribute, None)
        if not callable(function):
            raise ReportError(
                "function", f"module {module_name!r} has no function {attribute!r}"
            )
        return function, _module_file(module)


def _module_file(module: ModuleType) -> Path | None:
    file = getattr(module, "__file__", None)
    return Path(file) if file else None
