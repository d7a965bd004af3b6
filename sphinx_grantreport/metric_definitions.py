"""What a metric is and what computing one gives: its definition as written
(conf.py, the project file, the metrics file), its ``expect`` checks, and a
measurement with where it came from. No Sphinx here."""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal
from pathlib import Path
from typing import Any

from .engine import QueryEngine
from .errors import ReportError
from .formatting import is_number

_KEYED_RE = re.compile(r"^(?P<name>[^\[\]]+)\[(?P<key>[^\]]*)\]$")


def split_key(reference: str) -> tuple[str, str | None]:
    """``users[utoronto]`` as ("users", "utoronto"); ``users`` as ("users", None)."""
    if match := _KEYED_RE.match(reference.strip()):
        return match["name"].strip(), match["key"]
    return reference.strip(), None


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
    #: the column (or comma-separated columns) of a keyed metric: its query
    #: returns one row per key, and a page picks one as ``name[key]``
    key: str | None = None

    @property
    def key_columns(self) -> tuple[str, ...]:
        return tuple(part.strip() for part in self.key.split(",")) if self.key else ()

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
        if "key" in raw and (
            "sql" not in raw or not all(part.strip() for part in raw["key"].split(","))
        ):
            raise ReportError(
                "config",
                f"metric {name!r}: key must name the column(s) of its sql that "
                'tell its rows apart, such as key = "hub"',
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
    views: tuple[str, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    as_of: datetime.date | None = None
    #: the key of a keyed metric's value, as the page wrote it (resolved)
    key: tuple[str, ...] = ()

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
