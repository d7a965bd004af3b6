"""Which files are the report's tables, and how a file's path is shown.

No Sphinx here. Every CSV, JSON and Parquet file under ``data/`` is a table
named after its file; ``[tables]`` (or ``grantreport_data``) adds or renames.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

#: The folder under the source dir whose files become tables by default.
DATA_DIR = "data"

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


def shown_path(path: Path, srcdir: Path) -> str:
    """A data file's path as readers see it (page, hover, appendix,
    ``kpis.json``): relative to the source directory, else its name only, so
    no build machine's folders appear in the report."""
    if path.is_relative_to(srcdir):
        return path.relative_to(srcdir).as_posix()
    return path.name


@dataclass(frozen=True)
class DataFiles:
    """The report's tables, and the names that two files under ``data/`` would
    both take (reported when a query uses that name, not before)."""

    tables: dict[str, Path] = field(default_factory=dict)
    clashes: dict[str, str] = field(default_factory=dict)


def discover_tables(srcdir: Path, declared: Mapping[str, Path]) -> DataFiles:
    """The files under ``data/`` as tables, then the declared ones on top."""
    tables: dict[str, Path] = {}
    clashes: dict[str, str] = {}
    data_dir = srcdir / DATA_DIR
    found = sorted(data_dir.rglob("*")) if data_dir.is_dir() else []
    for path in found:
        if path.suffix.lower() not in READERS or not path.is_file():
            continue
        name = table_name_for(path.stem)
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
    return DataFiles(tables, clashes)
