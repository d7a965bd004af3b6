"""What a ``kpi-table`` shows, without Sphinx: a query's rows and the page's
options in, the cells' text, alignment and bars out.

Pure (no Sphinx, no docutils), so another engine (mystmd) can show the same
table, and every option is checked against the data before a node is made.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .chart_spec import clean_text
from .errors import ReportError
from .formatting import NumberStyle, is_number, parse_format

#: A table is read by people: more rows than this is a missing GROUP BY (or a
#: job for :limit:, which folds the rest into one row), not a table.
MAX_TABLE_ROWS = 1_000
DEFAULT_OTHERS = "All others"
TOTAL_LABEL = "Total"
GOOD_DIRECTIONS = ("up", "down")


@dataclass(frozen=True)
class TableOptions:
    """The options of a kpi-table, parsed (column names not yet checked)."""

    #: (column, label) in the order shown; empty: every column, by its name
    columns: tuple[tuple[str, str], ...] = ()
    formats: Mapping[str, str] = field(default_factory=dict)
    total: tuple[str, ...] = ()
    sort: str | None = None
    descending: bool = False
    limit: int | None = None
    others: str = DEFAULT_OTHERS
    bar: str | None = None
    #: change column -> "up" or "down" (the direction that is good)
    good: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Cell:
    """One cell as the reader sees it."""

    text: str
    #: a number: right-aligned, in tabular figures
    number: bool = False
    #: the in-cell bar's length, 0 to 1 of the largest shown value
    bar: float | None = None
    #: "good" or "bad", for a change column of :good:
    change: str | None = None


@dataclass(frozen=True)
class ShownTable:
    """A table ready to be made into nodes."""

    header: tuple[str, ...]
    numeric: tuple[bool, ...]
    body: tuple[tuple[Cell, ...], ...]
    #: the "all others" row of the rows that :limit: cut, if it cut any
    others: tuple[Cell, ...] | None
    total: tuple[Cell, ...] | None
    #: what the CSV download holds: the labels and the raw values
    csv_header: tuple[str, ...]
    csv_rows: tuple[tuple[Any, ...], ...]


def _pairs(text: str, option: str) -> list[tuple[str, str | None]]:
    """``a=X, b, c=Y`` as [(a, X), (b, None), (c, Y)]."""
    pairs: list[tuple[str, str | None]] = []
    for part in text.split(","):
        if not part.strip():
            raise ReportError("option", f":{option}: has an empty entry in {text!r}")
        name, sep, value = part.partition("=")
        name = name.strip()
        if not name:
            raise ReportError(
                "option", f":{option}: entry {part.strip()!r} names no column"
            )
        if any(name == seen for seen, _ in pairs):
            raise ReportError("option", f":{option}: names column {name!r} twice")
        pairs.append((name, value.strip() if sep else None))
    return pairs


def _pairs_of(options: Mapping[str, Any], option: str) -> list[tuple[str, str | None]]:
    if option not in options:
        return []
    return _pairs(options[option] or "", option)


def parse_options(options: Mapping[str, Any]) -> TableOptions:
    """Check the options of a kpi-table that need no data: formats, limit,
    sort order and good directions; a mistake is a :class:`ReportError`."""
    columns = tuple(
        (name, label or name) for name, label in _pairs_of(options, "columns")
    )
    formats: dict[str, str] = {}
    for name, spec in _pairs_of(options, "formats"):
        if not spec:
            raise ReportError("format", f":formats: gives no format for {name!r}")
        try:
            parse_format(spec)
        except ReportError as error:
            raise ReportError("format", f":formats: {name}: {error.message}") from None
        formats[name] = spec
    good: dict[str, str] = {}
    for name, way in _pairs_of(options, "good"):
        if way not in GOOD_DIRECTIONS:
            raise ReportError(
                "option",
                f":good: {name}={way or ''} must say up or down (which way is good)",
            )
        good[name] = way
    total = tuple(name for name, _ in _pairs_of(options, "total"))
    sort, descending = None, False
    if "sort" in options:
        words = (options["sort"] or "").split()
        if not 1 <= len(words) <= 2 or (
            len(words) == 2 and words[1].lower() not in ("asc", "desc")
        ):
            raise ReportError(
                "option",
                f":sort: {options['sort']!r} must be COLUMN, COLUMN asc or COLUMN desc",
            )
        sort, descending = words[0], len(words) == 2 and words[1].lower() == "desc"
    limit = None
    if "limit" in options:
        text = (options["limit"] or "").strip()
        if not text.isdigit() or not 1 <= int(text) <= MAX_TABLE_ROWS:
            raise ReportError(
                "option",
                f":limit: must be a whole number from 1 to {MAX_TABLE_ROWS:,}, "
                f"not {text!r}",
            )
        limit = int(text)
    bar = (options.get("bar") or "").strip() or None
    if "bar" in options and bar is None:
        raise ReportError("option", ":bar: needs the column to draw bars in")
    others = (
        clean_text(" ".join((options.get("others") or "").split())) or DEFAULT_OTHERS
    )
    return TableOptions(
        columns, formats, total, sort, descending, limit, others, bar, good
    )


def _check_columns(
    columns: Sequence[str], options: TableOptions
) -> list[tuple[str, str]]:
    """The shown (column, label) pairs; every column an option names must be
    one the query returns, and one the table shows."""
    known = ", ".join(columns)

    def check(name: str, option: str, shown: Sequence[str] = columns) -> None:
        if name not in columns:
            raise ReportError(
                "column",
                f"unknown column {name!r} in :{option}: (the query returns {known})",
            )
        if name not in shown:
            raise ReportError(
                "column", f"column {name!r} of :{option}: is not among :columns:"
            )

    for name, _ in options.columns:
        check(name, "columns")
    chosen = list(options.columns) or [(name, name) for name in columns]
    names = [name for name, _ in chosen]
    for option, used in (
        ("formats", list(options.formats)),
        ("total", list(options.total)),
        ("bar", [options.bar] if options.bar else []),
        ("good", list(options.good)),
    ):
        for name in used:
            check(name, option, names)
    if options.sort is not None:
        check(options.sort, "sort")
    if names[0] in options.total:
        raise ReportError(
            "option",
            f"the first column ({names[0]!r}) holds the row labels "
            f"({TOTAL_LABEL!r}, {options.others!r}): it cannot be in :total:",
        )
    return [(name, clean_text(label)) for name, label in chosen]


def _sorted(
    rows: list[tuple[Any, ...]], index: int, descending: bool, name: str
) -> list[tuple[Any, ...]]:
    """Rows by one column, empty values last whichever the order."""
    filled = [row for row in rows if row[index] is not None]
    empty = [row for row in rows if row[index] is None]
    try:
        filled.sort(key=lambda row: row[index], reverse=descending)
    except TypeError:
        raise ReportError(
            "type", f"cannot sort by {name!r}: its values mix types"
        ) from None
    return filled + empty


def column_sum(values: Sequence[Any]) -> Any:
    """The exact sum of a column's numbers (None for no number): integers
    and decimals stay exact, floats are summed with :func:`math.fsum`."""
    numbers = [value for value in values if value is not None]
    if not numbers:
        return None
    if any(isinstance(value, float) for value in numbers):
        return math.fsum(float(value) for value in numbers)
    if any(isinstance(value, Decimal) for value in numbers):
        return sum((Decimal(value) for value in numbers), Decimal(0))
    return sum(numbers)


def cell_text(value: Any, spec: str | None, numbers: NumberStyle, name: str) -> str:
    """A value as its cell shows it, in the column's format; empty for NULL."""
    if value is None:
        return ""
    if spec is None and not (
        is_number(value) or isinstance(value, str | datetime.date)
    ):
        return clean_text(str(value))
    try:
        return clean_text(numbers.format(value, spec))
    except ReportError as error:
        raise ReportError(error.subtype, f"column {name!r}: {error.message}") from None


def shape(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    options: TableOptions,
    numbers: NumberStyle,
) -> ShownTable:
    """The table a page shows of a query's rows: its columns chosen, sorted,
    cut to :limit: with an "all others" row, totalled, formatted, with bars."""
    columns = tuple(columns)
    chosen = _check_columns(columns, options)
    data = [tuple(row) for row in rows]
    if options.sort is not None:
        data = _sorted(
            data, columns.index(options.sort), options.descending, options.sort
        )
    if len(data) > MAX_TABLE_ROWS and options.limit is None:
        raise ReportError(
            "result",
            f"query returned {len(data):,} rows, more than a table shows "
            f"({MAX_TABLE_ROWS:,}): aggregate them in SQL, or show the first "
            "rows with :limit:",
        )
    indexes = [columns.index(name) for name, _ in chosen]
    table = [tuple(row[i] for i in indexes) for row in data]
    names = [name for name, _ in chosen]
    numeric = tuple(
        any(row[k] is not None for row in table)
        and all(row[k] is None or is_number(row[k]) for row in table)
        for k in range(len(names))
    )
    for option, used in (
        ("total", options.total),
        ("bar", [options.bar] if options.bar else []),
        ("good", options.good),
    ):
        for name in used:
            if not numeric[names.index(name)]:
                raise ReportError(
                    "type",
                    f"column {name!r} of :{option}: holds values that are not numbers",
                )
    limit = options.limit if options.limit is not None else len(table)
    shown, cut = table[:limit], table[limit:]
    bar_index = names.index(options.bar) if options.bar else None
    largest = max(
        (
            abs(row[bar_index])
            for row in shown
            if bar_index is not None and row[bar_index] is not None
        ),
        default=0,
    )

    def cells(row: Sequence[Any], bars: bool) -> tuple[Cell, ...]:
        result = []
        for k, (name, value) in enumerate(zip(names, row, strict=True)):
            text = cell_text(value, options.formats.get(name), numbers, name)
            change = None
            if name in options.good and value is not None and value != 0:
                better = (value > 0) == (options.good[name] == "up")
                change = "good" if better else "bad"
                if value > 0 and not text.startswith("+"):
                    text = "+" + text  # the sign says the direction, not colour only
            bar = None
            if bars and k == bar_index and value is not None:
                bar = float(abs(value) / largest) if largest else 0.0
            result.append(Cell(text, numeric[k], bar, change))
        return tuple(result)

    def summary(
        label: str, rows_: Sequence[Sequence[Any]], summed: Sequence[str]
    ) -> tuple[Cell, ...]:
        values = [
            column_sum([row[k] for row in rows_]) if name in summed else None
            for k, name in enumerate(names)
        ]
        _, *rest = cells(values, bars=False)
        return (Cell(label), *rest)

    # the cut rows add up in the :total: columns, or without :total: in
    # every numeric column but the first (which holds the label)
    summed = options.total or [name for k, name in enumerate(names) if numeric[k] and k]
    others = summary(options.others, cut, summed) if cut else None
    total = summary(TOTAL_LABEL, table, options.total) if options.total else None
    if len(table) <= MAX_TABLE_ROWS:
        csv_rows = tuple(table)
    else:  # only the shown rows of a large result, and what the rest adds to
        folded = [
            column_sum([row[k] for row in cut]) if name in summed else None
            for k, name in enumerate(names)
        ]
        csv_rows = (*shown, (options.others, *folded[1:]))
    return ShownTable(
        header=tuple(label for _, label in chosen),
        numeric=numeric,
        body=tuple(cells(row, bars=True) for row in shown),
        others=others,
        total=total,
        csv_header=tuple(label for _, label in chosen),
        csv_rows=csv_rows,
    )
