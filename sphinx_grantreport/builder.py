"""``sphinx-build -b kpis``: every number of the report, with where it came from.

Writes ``kpis.json`` and ``kpis.csv``: for each named metric and each inline
query, its raw value, the text readers see, the query and parameters, the
files it read (with sha256 and row count), the pages that show it and its
label, in a stable order, so that two builds of a report diff cleanly (and
``sphinx-grantreport diff``, in :mod:`.diff_command`, can say what moved).
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import uuid
from collections.abc import Iterable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import asdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.builders import Builder

from .provenance import ValueRecord, recorded_values
from .spreadsheet import DIALECT, spreadsheet_cell

CSV_COLUMNS = (
    "key",
    "metric",
    "metric_key",
    "value",
    "texts",
    "query",
    "params",
    "sources",
    "pages",
    "error",
    "kind",
    "views",
    "data_sha256",
    "label",
)


class KpisBuilder(Builder):
    """Lists the report's numbers instead of writing pages."""

    name = "kpis"
    format = "kpis"
    epilog = "The list of the report's numbers is in %(outdir)s (kpis.json, kpis.csv)."
    allow_parallel = True

    def get_outdated_docs(self) -> Iterator[str]:
        yield from self.env.found_docs  # the list is small: always rewrite it

    def get_target_uri(self, docname: str, typ: str | None = None) -> str:
        return ""

    def prepare_writing(self, docnames: AbstractSet[str]) -> None:
        pass

    def write_doc(self, docname: str, doctree: nodes.document) -> None:
        pass

    def finish(self) -> None:
        entries = collect(recorded_values(self.env))
        outdir = Path(self.outdir)
        outdir.mkdir(parents=True, exist_ok=True)
        text = json.dumps(entries, indent=2, ensure_ascii=False, default=_json_value)
        (outdir / "kpis.json").write_text(text + "\n", encoding="utf-8")
        # newline="": the CSV's own CRLF row ends, on every platform
        with (outdir / "kpis.csv").open("w", encoding="utf-8", newline="") as out:
            out.write(to_csv(entries))


def collect(values: dict[str, list[ValueRecord]]) -> list[dict[str, Any]]:
    """One entry per metric (all the pages that show it), per key of a keyed
    metric, per inline query and per chart or table (keyed by page and line)."""
    entries: dict[str, dict[str, Any]] = {}
    for records in values.values():
        for record in map(asdict, records):
            key = record["metric"] or f"{record['page']}:{record['line']}"
            if record["key"] is not None:  # each key of a keyed metric, each row
                key = f"{key}[{record['key']}]"
            if record["metric"] and record["own_page"]:  # its entity page's own
                key = f"{key}@{record['page']}"
            entry = entries.setdefault(
                key,
                {
                    "key": key,
                    "metric": record["metric"],
                    "metric_key": record["key"],
                    "value": record["value"],
                    "texts": [],
                    "query": record["query"],
                    "params": record["params"],
                    "sources": list(record["sources"]),
                    "pages": [],
                    "error": record["error"],
                    "kind": record["kind"],
                    "views": list(record["views"]),
                    "data_sha256": record["data_sha256"],
                    "label": record["label"],
                },
            )
            entry["texts"] = sorted({*entry["texts"], record["text"]})
            entry["pages"] = sorted({*entry["pages"], record["page"]})
    return [entries[key] for key in sorted(entries)]


def to_csv(entries: Iterable[dict[str, Any]]) -> str:
    """The entries as CSV; nested fields as compact JSON. Text from data that a
    spreadsheet would evaluate is written as text (see :mod:`.spreadsheet`)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, CSV_COLUMNS, dialect=DIALECT)
    writer.writeheader()
    for entry in entries:
        writer.writerow({key: _csv_cell(value) for key, value in entry.items()})
    return buffer.getvalue()


def _csv_cell(value: Any) -> Any:
    """Text as text, and anything else as JSON: numbers (-5 stays -5), lists
    and dicts (which start with a bracket), and dates or decimals as quoted
    JSON strings, none of which a spreadsheet evaluates."""
    if value is None or isinstance(value, str):
        return spreadsheet_cell(value)
    return json.dumps(value, ensure_ascii=False, default=_json_value)


def _json_value(value: Any) -> Any:
    """Decimals, dates, times, durations and UUIDs as exact text, and bytes as
    hex: a reviewer diffs what the data said."""
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, Decimal | datetime.date | datetime.time | datetime.timedelta):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} to kpis.json")


def setup_builder(app: Sphinx) -> None:
    app.add_builder(KpisBuilder)
