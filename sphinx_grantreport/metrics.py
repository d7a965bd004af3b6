"""Metrics: their definition, their evaluation (at most once per build process)
and the provenance of each value. No Sphinx nodes here."""

from __future__ import annotations

import datetime
import importlib
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

from .engine import QueryEngine, QueryResult
from .errors import Memo, ReportError
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
        self._measurements: Memo[str, Measurement] = Memo()
        self._forgot_old_modules = False
        self._helpers: dict[str, dict[str, ModuleType]] = {}  # per module imported

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
            single_value(result), sql, result.files, result.tables, params=result.params
        )

    def _call(self, reference: str) -> Measurement:
        function, sources = self.import_function(reference)
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
        return Measurement(value, None, sources)

    def import_function(
        self, reference: str
    ) -> tuple[Callable[[], Any], tuple[Path, ...]]:
        """Import ``module:function`` from the source directory, and the files
        of the source directory's modules it uses (its helpers), so that a page
        and a chart depend on them all.

        The report's modules are imported afresh by each evaluator (once per
        build), so that an edited file is seen by the next build in the same
        process. Also used for the ``:plot:`` functions of figures."""
        if not self._forgot_old_modules:
            for name in _REPORT_MODULES:
                sys.modules.pop(name, None)
            importlib.invalidate_caches()  # see files added since
            self._forgot_old_modules = True
        module_name, _, attribute = reference.partition(":")
        imported_before = set(sys.modules)
        sys.path.insert(0, str(self.search_path))
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:
            raise ReportError(
                "function",
                f"cannot import {module_name!r} for {reference}: "
                f"{type(exc).__name__}: {exc}",
            ) from None
        finally:
            sys.path.remove(str(self.search_path))
        # Its helpers: the source dir's modules it refers to, and those that
        # importing it brought in (``from helpers import LIMIT`` names no module).
        found = _local_modules(module, self.search_path) + [
            sys.modules[name]
            for name in sorted(set(sys.modules) - imported_before)
            if _is_under(sys.modules[name], self.search_path)
        ]
        helpers = self._helpers.setdefault(module_name, {})
        helpers.update((used.__name__, used) for used in found if used is not module)
        _REPORT_MODULES.update(helpers)
        _REPORT_MODULES.add(module_name)
        function = getattr(module, attribute, None)
        if not callable(function):
            raise ReportError(
                "function", f"module {module_name!r} has no function {attribute!r}"
            )
        modules = [module, *helpers.values()]
        return function, tuple(
            Path(str(used.__file__))
            for used in modules
            if getattr(used, "__file__", None)
        )


#: Names of the modules imported from a report's source directory in this
#: process: forgotten before each build imports them again.
_REPORT_MODULES: set[str] = set()


def _local_modules(module: ModuleType, root: Path) -> list[ModuleType]:
    """The module and the modules under ``root`` that it uses, directly or
    through each other, dependencies first. A module is "used" when one of
    its names refers to it or to a function or class defined in it
    (``import helpers``, ``from helpers import draw``)."""
    order: list[ModuleType] = []
    seen: set[str] = set()

    def visit(current: ModuleType) -> None:
        seen.add(current.__name__)
        for value in list(vars(current).values()):
            used = value if isinstance(value, ModuleType) else None
            name = getattr(value, "__module__", None)
            if used is None and isinstance(name, str):
                used = sys.modules.get(name)
            if used is not None and used.__name__ not in seen and _is_under(used, root):
                visit(used)
        order.append(current)

    visit(module)
    return [used for used in order if _is_under(used, root)]


def _is_under(module: ModuleType, root: Path) -> bool:
    """Whether a module is the report's own code: a file under ``root`` that
    is not an installed package (a virtual environment may live there too)."""
    file = getattr(module, "__file__", None)
    if not file:
        return False
    path, root = Path(file).resolve(), root.resolve()
    prefixes = {Path(p).resolve() for p in (sys.prefix, sys.base_prefix)}
    return (
        path.is_relative_to(root)
        and not {"site-packages", "dist-packages"} & set(path.parts)
        # a virtual environment inside the report, unless the report is in one
        and not any(
            path.is_relative_to(prefix) and not root.is_relative_to(prefix)
            for prefix in prefixes
        )
    )
