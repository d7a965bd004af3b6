"""Which files are the report's tables, and how a file's path is shown.

No Sphinx here. Every CSV, JSON and Parquet file under ``data/`` is a table
named after its file; ``[tables]`` (or ``grantreport_data``) adds or renames.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ReportError

if TYPE_CHECKING:
    from .lock_file import LockEntry
    from .source_definitions import SourceDefinition

#: The folder under the source dir whose files become tables by default.
DATA_DIR = "data"

#: Where sources' snapshots are written, under the project file's folder.
SNAPSHOT_DIR = "snapshots"

#: File suffix -> DuckDB table function that reads it.
READERS = {".csv": "read_csv", ".json": "read_json", ".parquet": "read_parquet"}


def table_name_for(stem: str) -> str:
    """The SQL table name for a data file stem: ``monthly-users`` -> ``monthly_users``.

    Runs of characters that cannot appear in an unquoted SQL identifier become
    ``_``; a leading digit gets a ``t_`` prefix; names are lower case, as SQL
    identifiers are case-insensitive.
    """
    name = re.sub(r"[^0-9a-zA-Z_]+", "_", stem).strip("_").lower() or "table"
    return f"t_{name}" if name[0].isdigit() else name


@functools.cache  # pure, and asked at every value shown
def shown_path(path: Path, srcdir: Path) -> str:
    """A data file's path as readers see it (page, hover, appendix,
    ``kpis.json``): relative to the source directory (``../shared/x.csv`` for a
    declared file outside it), so no build machine's folders appear in the
    report and two checkouts give the same text."""
    if path.is_relative_to(srcdir):
        return path.relative_to(srcdir).as_posix()
    return Path(os.path.relpath(path, srcdir)).as_posix()


@dataclass(frozen=True)
class DataFiles:
    """The report's tables; the names that two files under ``data/`` would
    both take (reported when a query uses that name, not before); tables
    refused, with why (a link out of the source directory); and files that
    cannot be tables at all (a name that is not UTF-8)."""

    tables: dict[str, Path] = field(default_factory=dict)
    clashes: dict[str, str] = field(default_factory=dict)
    refused: dict[str, ReportError] = field(default_factory=dict)
    problems: tuple[str, ...] = ()


def discover_tables(srcdir: Path, declared: Mapping[str, Path]) -> DataFiles:
    """The files under ``data/`` as tables, then the declared ones on top."""
    tables: dict[str, Path] = {}
    clashes: dict[str, str] = {}
    refused: dict[str, ReportError] = {}
    problems: list[str] = []
    root = srcdir.resolve()
    data_dir = srcdir / DATA_DIR
    found = sorted(data_dir.rglob("*")) if data_dir.is_dir() else []
    for path in found:
        if path.suffix.lower() not in READERS or not path.is_file():
            continue
        try:
            path.name.encode("utf-8")
        except UnicodeEncodeError:
            shown = os.fsencode(path.relative_to(srcdir)).decode("utf-8", "replace")
            problems.append(
                f"the name of data file {shown!r} is not valid UTF-8: rename it "
                "to make it a table"
            )
            continue
        name = table_name_for(path.stem)
        if not path.resolve().is_relative_to(root):
            refused[name] = ReportError(
                "sandbox",
                f"{shown_path(path, srcdir)} links to a file outside the source "
                f"directory, so table {name!r} is not read: a report reads such a "
                "file only when grantreport.toml names it in [tables]",
            )
            continue
        if name in tables:
            clashes.setdefault(
                name,
                f"{shown_path(path, srcdir)} and {shown_path(tables[name], srcdir)} "
                f"would both be table {name!r}; using the second (name them in "
                "[tables] of grantreport.toml)",
            )
            continue
        tables[name] = path
    for name, path in declared.items():
        tables[name] = path
        clashes.pop(name, None)
        refused.pop(name, None)
    return DataFiles(tables, clashes, refused, tuple(problems))


def with_snapshots(
    found: DataFiles,
    sources: Mapping[str, SourceDefinition],
    entries: Mapping[str, LockEntry],
    base: Path,
    lock_problem: str | None = None,
) -> DataFiles:
    """The tables with each source's snapshot as the table of its name; a
    source not fetched yet is a table that says so where a query reads it.

    A snapshot is always ``snapshots/NAME.parquet`` under the project's
    folder, whatever the lock file says, and never a link out of it.
    """
    tables, clashes = dict(found.tables), dict(found.clashes)
    refused = dict(found.refused)
    for name in sources:
        if name in tables:
            clashes[name] = (
                f"{shown_path(tables.pop(name), base)} and source {name!r} would "
                f"both be table {name!r}; using the source"
            )
        path = base / SNAPSHOT_DIR / f"{name}.parquet"
        fetch = (
            f"run 'sphinx-grantreport fetch {name}', or build with "
            "grantreport_fetch = 'missing'"
        )
        if lock_problem is not None:
            refused[name] = ReportError("source", f"{lock_problem}: {fetch}")
        elif name not in entries or not path.is_file():
            refused[name] = ReportError(
                "source", f"source {name!r} has no snapshot yet: {fetch}"
            )
        elif not path.resolve().is_relative_to(base.resolve()):
            refused[name] = ReportError(
                "sandbox",
                f"{shown_path(path, base)} links to a file outside the project's "
                f"folder, so source {name!r} is not read",
            )
        else:
            tables[name] = path
    return DataFiles(tables, clashes, refused, found.problems)
