"""From a measurement to what a reader sees: the text, the number it reads
as, the files behind it and what casts doubt on it. No Sphinx here: every
engine shows a value through :func:`present`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from .datafiles import shown_path
from .engine import QueryEngine
from .errors import ReportError
from .formatting import NumberStyle, is_number, round_value, shown_number
from .metric_definitions import Measurement, broken_expectations
from .metrics import MetricEvaluator, check_text_size
from .settings import build_date


@dataclass(frozen=True)
class SourceFact:
    """One file behind a value: a table's data file with its version, or the
    module of a metric function."""

    file: str
    table: str | None = None
    sha256: str | None = None
    rows: int | None = None
    #: for a source's snapshot: what was fetched (no secret) and when
    fetched: str | None = None
    fetched_at: str | None = None

    def shown(self) -> str:
        """How the page's hover names it."""
        if self.sha256 is None:
            return self.file
        row_word = "row" if self.rows == 1 else "rows"
        facts = f"{self.rows} {row_word}, sha256 {self.sha256[:12]}"
        if self.fetched is not None:
            first = self.fetched.splitlines()[0]
            return f"{first} (fetched {self.fetched_at}; {facts})"
        return f"{self.file} ({facts})"

    def as_record(self) -> dict[str, Any]:
        """As the ``kpis`` builder lists it."""
        if self.sha256 is None:
            return {"file": self.file, "function": True}
        record: dict[str, Any] = {
            "table": self.table,
            "file": self.file,
            "sha256": self.sha256,
            "rows": self.rows,
        }
        if self.fetched is not None:
            record.update(fetched=self.fetched, fetched_at=self.fetched_at)
        return record


@dataclass(frozen=True)
class ShownValue:
    """A measurement as shown: its text, the number a reader takes from the
    text (for claim checks), its sources and its doubts (expect, max_age)."""

    measurement: Measurement
    text: str
    number: Decimal | None
    sources: tuple[SourceFact, ...]
    doubts: tuple[ReportError, ...]
    #: the unrounded value in the report's language ("79" behind "70"), for
    #: the provenance a reader can open; None where it reads as the text does
    raw_text: str | None = None

    @property
    def params(self) -> str:
        """The parameters its query was run with, as a reader reads them."""
        return "; ".join(
            f"${name} = {value}" for name, value in self.measurement.params.items()
        )

    @property
    def exact(self) -> Decimal | None:
        """The unrounded value, for claims about it; None if not a number."""
        value = self.measurement.value
        return Decimal(str(value)) if is_number(value) else None


def parameter(
    name: str, params: Mapping[str, Any], files: Sequence[Path] = ()
) -> tuple[Measurement, str | None]:
    """A parameter's value as a measurement (``{kpi}`$year```), and the
    format it is shown in unless one is asked for: a whole number as written
    (a year is 2023, not 2,023)."""
    if name not in params:
        known = ", ".join(f"${n}" for n in sorted(params)) or "none"
        raise ReportError("param", f"${name} is not a parameter (defined: {known})")
    value = params[name]
    measurement = Measurement(value, files=tuple(files), params={name: value})
    return measurement, "d" if type(value) is int else None


def present(
    evaluator: MetricEvaluator,
    measurement: Measurement,
    numbers: NumberStyle,
    *,
    format_spec: str | None = None,
    rounding: str | None = None,
    max_age: Any = None,
    list_limit: int | None = None,
) -> ShownValue:
    """Round and format a measurement (options override the metric's own),
    and gather its sources and doubts."""
    text, value = shown_text(measurement, numbers, format_spec, rounding, list_limit)
    number = raw_text = None
    if is_number(value):
        spec = measurement.format_spec(format_spec)
        number = shown_number(
            Decimal(str(value)), spec, numbers.locale, numbers.currency
        )
        raw = Decimal(str(measurement.value))
        if raw.is_finite() and raw != number:  # the text does not read as it
            raw_text = numbers.exactly(raw)
    return ShownValue(
        measurement,
        text,
        number,
        sources(evaluator.engine, measurement.tables, measurement.files),
        doubts(evaluator, measurement, max_age),
        raw_text,
    )


def shown_text(
    measurement: Measurement,
    numbers: NumberStyle,
    format_spec: str | None = None,
    rounding: str | None = None,
    list_limit: int | None = None,
) -> tuple[str, Any]:
    """The text of a measurement and the rounded value it shows (for a list
    of values, the sentence that lists them, and None)."""
    round_spec = measurement.rounding(rounding)
    spec = measurement.format_spec(format_spec)
    if isinstance(measurement.value, tuple):
        items = [
            numbers.format(round_value(item, round_spec) if round_spec else item, spec)
            for item in measurement.value
        ]
        text = numbers.listing(items, list_limit)
        check_text_size(text, measurement.metric.name if measurement.metric else "list")
        return text, None
    value: Any = measurement.value
    if round_spec:
        value = round_value(value, round_spec)
    return numbers.format(value, spec), value


def sources(
    engine: QueryEngine, tables: Sequence[str], files: Sequence[Path] = ()
) -> tuple[SourceFact, ...]:
    """The files behind a value, chart or table: each table's file with its
    sha256 and rows, or (with no table) the modules of a metric function."""
    facts = []
    for table in tables:
        known = engine.facts(table)
        file = shown_path(known.path, engine.root)
        origin = known.origin
        facts.append(
            SourceFact(
                file,
                table,
                known.sha256,
                known.rows,
                origin.fetched if origin else None,
                origin.fetched_at if origin else None,
            )
        )
    if not tables:
        facts += [SourceFact(Path(path).name) for path in files]
    return tuple(facts)


def doubts(
    evaluator: MetricEvaluator, measurement: Measurement, max_age: Any
) -> tuple[ReportError, ...]:
    """A shown number whose data breaks its expect check or is too old."""
    found = [
        ReportError("expect", problem)
        for problem in broken_expectations(measurement, evaluator.engine)
    ]
    if measurement.as_of and max_age and build_date() - measurement.as_of > max_age:
        name = measurement.metric.name if measurement.metric else "?"
        found.append(
            ReportError(
                "stale",
                f"the data of metric {name!r} is as of {measurement.as_of}, older "
                f"than grantreport_max_age ({max_age.days} days)",
            )
        )
    return tuple(found)
