"""The one exception type of a user error, and the memo that remembers it.

No Sphinx here: the Sphinx layer turns a :class:`ReportError` into a located
warning (``report_warnings.warn``); another engine turns it into its own.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

WARNING_TYPE = "grantreport"


#: Every warning subtype (``grantreport.<subtype>``) and what causes it. The
#: reference documentation is generated from this table.
SUBTYPES: dict[str, str] = {
    "metric": "A card or role names a metric that is not defined.",
    "sql": "A query does not parse, or holds more than one statement.",
    "table": "A query reads a table that does not exist.",
    "column": "A query or a chart names a column that does not exist.",
    "result": "A query returns no row, several rows or columns, or NULL.",
    "type": "A value is not of the type its format, rounding or chart needs.",
    "format": "A :format: or :yformat: is not a known format or Python spec.",
    "round": "A :round: is not floor, ceil or nearest with a positive step.",
    "template": "A card title uses a field other than {value} and {label}.",
    "function": "A metric or plot function cannot be imported or raises.",
    "data": "A data file is missing, unreadable or malformed.",
    "option": "A directive option is missing, conflicting or has a bad value.",
    "param": "A query uses a $parameter that grantreport_params lacks.",
    "sandbox": "A query tries to write, attach, load, configure or read "
    "outside the report's files.",
    "timeout": "A query runs longer than grantreport_query_timeout.",
    "config": "A grantreport_* setting, grantreport.toml or the metrics file "
    "is malformed.",
    "locale": "Sphinx's language is not a locale Babel knows.",
    "kind": "A kpi-figure asks for an unknown chart kind.",
    "expect": "A metric's value or data breaks its expect check.",
    "stale": "A metric's data is older than grantreport_max_age.",
    "claim": "The wording before a value (More than, over, at least), in a "
    "card's title or a sentence, claims more than the data says.",
    "plot": "A chart cannot be drawn: a plot function fails or returns no "
    "Figure, or matplotlib rejects an option.",
    "key": "A keyed metric is used without a key, with a key it lacks, or "
    "returns a key twice; or an unkeyed metric is given a key.",
    "source": "A [sources.NAME] cannot be fetched (the server, loader or "
    "database failed or gave what is not data), has no snapshot yet, or its "
    "snapshot is older than its max_age; the last good snapshot is kept.",
    "mystmd": "A page uses a construct of the MyST Document Engine (mystmd) "
    "that Sphinx does not carry over, such as abbreviations: in the front "
    "matter (the warning says what to write instead); or, built with mystmd, "
    "an option that only the Sphinx build draws yet.",
}


class ReportError(Exception):
    """A mistake in a report's data, query, metric or options.

    ``subtype`` becomes the Sphinx warning subtype (``grantreport.<subtype>``),
    so users can silence one kind with ``suppress_warnings``.
    """

    def __init__(self, subtype: str, message: str) -> None:
        assert subtype in SUBTYPES, subtype
        super().__init__(message)
        self.subtype = subtype
        self.message = message


@dataclass(frozen=True)
class Problem:
    """A user error found outside any page (in conf.py, grantreport.toml, the
    metrics file), with the file and line it belongs to when known."""

    error: ReportError
    file: str | None = None
    line: int | None = None


Key = TypeVar("Key", bound=Hashable)
Value = TypeVar("Value")


class Memo(Generic[Key, Value]):
    """Results computed once per key, errors included: a broken table or query
    used by a hundred cards is read and reported once per build process."""

    def __init__(self) -> None:
        self._results: dict[Key, Value | ReportError] = {}

    def get(self, key: Key, compute: Callable[[], Value]) -> Value:
        if key not in self._results:
            try:
                self._results[key] = compute()
            except ReportError as error:
                self._results[key] = error
        result = self._results[key]
        if isinstance(result, ReportError):
            raise result
        return result

    def __contains__(self, key: object) -> bool:
        return key in self._results
