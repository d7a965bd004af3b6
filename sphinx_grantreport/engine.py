"""The query engine: one sandboxed in-process DuckDB connection per build process.

No Sphinx here. Tables are loaded on first use, query results are cached for
the life of the engine, and every failure is a :class:`ReportError`.
"""

from __future__ import annotations

import functools
import re
import shutil
import tempfile
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

# DuckDB is imported inside the functions that use it, so that a build with
# nothing to compute (a no-op rebuild) never loads it.
if TYPE_CHECKING:
    import duckdb

from .datafiles import READERS, shown_path
from .errors import Memo, ReportError
from .lock_file import LockEntry
from .query_check import (
    as_variables,
    check_query,
    first_line,
    reader_problem,
    table_names,
)
from .watchdog import Watchdog

_MISSING_TABLE_RE = re.compile(r"Table with name (?P<name>\S+) does not exist")
_MISSING_COLUMN_RE = re.compile(r'Referenced column "(?P<name>[^"]+)" not found')


@dataclass(frozen=True)
class TableFacts:
    """What traces a number to a file: which file, which version, how big."""

    name: str
    path: Path
    sha256: str
    rows: int
    columns: tuple[str, ...] = ()
    dates: tuple[Any, Any] | None = None  # first and last of the first date column
    #: for a source's snapshot: its lock entry (what was fetched, and when)
    origin: LockEntry | None = None


@dataclass(frozen=True)
class EngineLimits:
    """What one build's queries may use: DuckDB's memory, threads and spill
    space (set before the configuration is locked), and the time zone that
    every TIMESTAMPTZ is shown in, the same on every machine."""

    memory_limit: str = "2GB"
    threads: int = 2
    spill_dir: Path | None = None
    max_spill: str = "4GB"
    timezone: str = "UTC"


@dataclass(frozen=True)
class QueryResult:
    """Rows of a query, typed as DuckDB returns them, and what they were read from."""

    sql: str
    params: Mapping[str, Any]
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    tables: tuple[str, ...]
    files: tuple[Path, ...]
    views: tuple[str, ...] = ()


#: parameter values, as a key: (name, repr(value)) pairs
Bound = tuple[tuple[str, str], ...]


class QueryEngine:
    """A sandboxed DuckDB connection over a fixed set of data files.

    The sandbox is DuckDB's own: external access off except for the declared
    data files, no extension loading, memory and threads capped, configuration
    locked. On top of that :func:`check_query` accepts only a single read-only
    ``SELECT`` that reads tables by name (see there why).
    """

    def __init__(
        self,
        tables: Mapping[str, Path],
        root: Path,
        params: Mapping[str, Any] | None = None,
        timeout: float = 10.0,
        limits: EngineLimits | None = None,
        blocked: Mapping[str, ReportError] | None = None,
        views: Mapping[str, str] | None = None,
        origins: Mapping[str, LockEntry] | None = None,
    ) -> None:
        #: named queries used like tables (a view hides a table of its name)
        self.views = {name.lower(): sql for name, sql in (views or {}).items()}
        self.tables = {
            name.lower(): path
            for name, path in tables.items()
            if name.lower() not in self.views
        }
        self.root = root
        #: the lock entries of tables that are sources' snapshots
        self.origins = dict(origins or {})
        self.limits = limits or EngineLimits()
        #: table names that cannot be read, and why (a link out of the source
        #: dir, a source not fetched yet)
        self.blocked = dict(blocked or {})
        self._spill: Path | None = None
        self.params = dict(params or {})
        self.timeout = timeout
        self._connection: duckdb.DuckDBPyConnection | None = None
        self._opened: Memo[None, duckdb.DuckDBPyConnection] = Memo()
        self._loaded: Memo[str, None] = Memo()
        self._created: Memo[str, None] = Memo()  # views
        self._facts: dict[str, TableFacts] = {}
        #: by query, its parameters' values and its views' variables' values
        self._results: Memo[tuple[str, Bound, Bound], QueryResult] = Memo()
        self._tables_used: dict[str, tuple[str, ...]] = {}
        self._trees: dict[str, Any] = {}  # parse trees, per query text
        # per query text: the parameters it names, or why it may not run
        self._checked: Memo[str, list[str]] = Memo()
        self._watchdog: Watchdog | None = None

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The sandboxed connection, opened on first use (a bad limit is
        reported once, not at every query)."""
        if self._connection is None:
            self._connection = self._opened.get(None, self._connect)
        return self._connection

    def _connect(self) -> duckdb.DuckDBPyConnection:
        import duckdb

        connection = duckdb.connect(
            ":memory:",
            config={
                "autoinstall_known_extensions": False,
                "autoload_known_extensions": False,
                "allow_community_extensions": False,
                "allow_unsigned_extensions": False,
            },
        )
        limits = self.limits
        self._spill = Path(
            tempfile.mkdtemp(prefix="spill-", dir=_made(limits.spill_dir))
            if limits.spill_dir
            else tempfile.mkdtemp(prefix="grantreport-spill-")
        )
        for setting, value in (
            ("memory_limit", limits.memory_limit),
            ("threads", limits.threads),
            ("temp_directory", str(self._spill)),
            ("max_temp_directory_size", limits.max_spill),
            ("TimeZone", limits.timezone),
        ):
            try:
                connection.execute(f"SET {setting} = $value", {"value": value})
            except duckdb.Error as exc:
                connection.close()
                shutil.rmtree(self._spill, ignore_errors=True)
                self._spill = None
                raise ReportError(
                    "config", f"bad DuckDB {setting} {value!r}: {first_line(exc)}"
                ) from None
        # Parameters are variables too, for views: a view holds no bound value.
        for name, value in self.params.items():
            connection.execute(f'SET VARIABLE "{name}" = $value', {"value": value})
        # Only the data files may be read; DuckDB wants them named before
        # external access is turned off.
        connection.execute(
            "SET allowed_paths = $paths",
            {"paths": sorted(str(path) for path in self.tables.values())},
        )
        connection.execute("SET enable_external_access = false")
        connection.execute("SET lock_configuration = true")
        return connection

    def close(self) -> None:
        if self._watchdog is not None:
            self._watchdog.stop()
            self._watchdog = None
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        if self._spill is not None:
            shutil.rmtree(self._spill, ignore_errors=True)
            self._spill = None

    def query(self, sql: str, page: Mapping[str, Any] | None = None) -> QueryResult:
        """Run one SELECT with the parameters it names (a page's own, such as
        the row of an entity page, over the report's); cached per engine."""
        used = self._checked.get(
            sql, lambda: check_query(self.connection, sql, self._trees)
        )
        available = {**self.params, **page} if page else self.params
        unknown = [name for name in used if name not in available]
        if unknown:
            known = ", ".join(f"${name}" for name in sorted(available)) or "none"
            raise ReportError(
                "param",
                f"query uses {', '.join('$' + n for n in unknown)}, which "
                f"grantreport_params does not define (defined: {known})",
            )
        params = {name: available[name] for name in used}
        # a view reads parameters as variables: a page's own are set for
        # its query, and are part of what the query's result is kept under
        variables = {}
        if page:
            names = self._view_param_names(self.views_used(sql))
            variables = {name: page[name] for name in sorted(names) if name in page}
        key = (
            sql,
            tuple((name, repr(params[name])) for name in used),
            tuple((name, repr(value)) for name, value in variables.items()),
        )
        return self._results.get(key, lambda: self._execute(sql, params, variables))

    def parameters_used(self, sql: str) -> set[str]:
        """The parameters a query reads, itself or through its views."""
        used = self._checked.get(
            sql, lambda: check_query(self.connection, sql, self._trees)
        )
        return {*used, *self._view_param_names(self.views_used(sql))}

    def _view_param_names(self, views: tuple[str, ...]) -> set[str]:
        names: set[str] = set()
        for view in views:
            names.update(
                self._checked.get(
                    self.views[view],
                    functools.partial(
                        check_query, self.connection, self.views[view], self._trees
                    ),
                )
            )
        return names

    def _view_params(self, views: tuple[str, ...]) -> dict[str, Any]:
        """The parameters the views read (as variables), for provenance."""
        names = self._view_param_names(views)
        return {
            name: self.params[name] for name in sorted(names) if name in self.params
        }

    def tables_used(self, sql: str) -> tuple[str, ...]:
        """Names of the known tables a query reads, found by DuckDB's parser."""
        used = self.names_read(sql)
        for name in used:
            if name in self.blocked:
                raise self.blocked[name]
        return tuple(name for name in used if name in self.tables)

    def views_used(self, sql: str) -> tuple[str, ...]:
        """The views a query reads, directly or through other views."""
        return tuple(name for name in self.names_read(sql) if name in self.views)

    def names_read(
        self, sql: str, seen: frozenset[str] = frozenset()
    ) -> tuple[str, ...]:
        """Every name a query reads as a table, with the names its views read."""
        if sql not in self._tables_used:
            import duckdb

            try:
                found = table_names(self.connection, sql, self._trees)
            except duckdb.Error:
                found = set()
            for view in sorted(found & set(self.views) - seen):
                found.update(self.names_read(self.views[view], seen | {view}))
            self._tables_used[sql] = tuple(sorted(found))
        return self._tables_used[sql]

    def _create_view(self, name: str, seen: frozenset[str] = frozenset()) -> None:
        """Create a view once, after the tables and views it reads."""
        import duckdb

        sql = self.views[name]
        if name in seen:
            raise ReportError("sql", f"view {name!r} reads itself through other views")
        check_query(self.connection, sql, self._trees)
        for table in self.tables_used(sql):
            self.load_table(table)
        for view in self.views_used(sql):
            if view != name:
                self._created.get(
                    view, functools.partial(self._create_view, view, seen | {name})
                )
        try:
            self.connection.execute(f'CREATE VIEW "{name}" AS {as_variables(sql)}')
        except duckdb.Error as exc:
            raise ReportError(
                "sql", f"view {name!r} fails: {self.hide_paths(first_line(exc))}"
            ) from None

    def load_table(self, name: str) -> None:
        """Read a data file into a table, once per engine."""
        self._loaded.get(name, lambda: self._load(name))

    def facts(self, name: str) -> TableFacts:
        """The file, content hash and row count of a loaded table."""
        if name not in self._facts:
            import hashlib

            self.load_table(name)
            path = self.tables[name]
            with path.open("rb") as stream:  # in chunks: data files can be large
                digest = hashlib.file_digest(stream, "sha256").hexdigest()
            count = self.connection.execute(f'SELECT count(*) FROM "{name}"')
            rows = int(count.fetchall()[0][0])
            described = self.connection.execute(f'DESCRIBE "{name}"').fetchall()
            columns = tuple(str(row[0]) for row in described)
            dated = [
                row[0]
                for row in described
                if str(row[1]).startswith(("DATE", "TIMESTAMP"))
            ]
            dates = None
            if dated:
                column = str(dated[0]).replace('"', '""')
                span = self.connection.execute(
                    f'SELECT min("{column}"), max("{column}") FROM "{name}"'
                ).fetchall()[0]
                dates = (span[0], span[1])
            self._facts[name] = TableFacts(
                name, path, digest, rows, columns, dates, self.origins.get(name)
            )
        return self._facts[name]

    def _load(self, name: str) -> None:
        import duckdb

        path = self.tables[name]
        if not path.is_file():
            raise ReportError(
                "data",
                f"data file for table {name!r} not found: "
                f"{shown_path(path, self.root)}",
            )
        reader = READERS.get(path.suffix.lower())
        if reader is None:
            raise ReportError(
                "data", f"cannot read {path.name}: use a .csv, .json or .parquet file"
            )
        literal = "'" + str(path).replace("'", "''") + "'"
        try:
            self.connection.execute(
                f'CREATE TABLE "{name}" AS SELECT * FROM {reader}({literal})'
            )
        except duckdb.Error as exc:
            raise ReportError(
                "data",
                f"cannot read {shown_path(path, self.root)} as table {name!r}: "
                + reader_problem(self.hide_paths(str(exc))),
            ) from None

    def _execute(
        self,
        sql: str,
        params: Mapping[str, Any],
        variables: Mapping[str, Any] | None = None,
    ) -> QueryResult:
        import duckdb

        tables = self.tables_used(sql)
        for name in tables:
            self.load_table(name)
        views = self.views_used(sql)
        for view in views:
            self._created.get(view, functools.partial(self._create_view, view))
        connection = self.connection
        if self._watchdog is None:
            self._watchdog = Watchdog(connection.interrupt)
            # an engine dropped without close() must not keep its thread
            weakref.finalize(self, self._watchdog.stop, join=False)
        for name, value in (variables or {}).items():
            connection.execute(f'SET VARIABLE "{name}" = $value', {"value": value})
        try:
            with self._watchdog.watch(self.timeout):
                cursor = connection.execute(sql, dict(params) if params else None)
                rows = cursor.fetchall()
            columns = tuple(column[0] for column in cursor.description or ())
        except duckdb.InterruptException:
            raise ReportError(
                "timeout",
                f"query stopped after {self.timeout:g} s "
                "(raise grantreport_query_timeout if it needs longer)",
            ) from None
        except duckdb.Error as exc:
            raise self._explain(exc, tables) from None
        finally:  # the report's own values again, for the next query
            for name in variables or {}:
                if name in self.params:
                    value = {"value": self.params[name]}
                    connection.execute(f'SET VARIABLE "{name}" = $value', value)
                else:
                    connection.execute(f'RESET VARIABLE "{name}"')
        return QueryResult(
            sql=sql,
            params={**self._view_params(views), **(variables or {}), **params},
            columns=columns,
            rows=rows,
            tables=tables,
            files=tuple(self.tables[name] for name in tables),
            views=views,
        )

    def _explain(self, exc: duckdb.Error, tables: tuple[str, ...]) -> ReportError:
        """Turn a DuckDB error into one that says what does exist."""
        import duckdb

        message = self.hide_paths(first_line(exc))
        if isinstance(exc, duckdb.PermissionException):
            return ReportError(
                "sandbox",
                f"{message}: a query may read only the report's tables, by name",
            )
        if match := _MISSING_TABLE_RE.search(message):
            known = ", ".join(sorted(self.tables)) or "none (put files under data/)"
            return ReportError(
                "table", f"unknown table {match['name']}; tables: {known}"
            )
        if match := _MISSING_COLUMN_RE.search(message):
            columns = "; ".join(
                f"{name}: {', '.join(self._columns(name))}" for name in tables
            )
            return ReportError(
                "column",
                f"unknown column {match['name']!r}"
                + (f"; columns of {columns}" if columns else ""),
            )
        return ReportError("sql", f"query failed: {message}")

    def hide_paths(self, message: str) -> str:
        """A DuckDB message without the build machine's folders: data files
        are named relative to the source directory."""
        for path in sorted(self.tables.values(), key=lambda p: -len(str(p))):
            message = message.replace(str(path), shown_path(path, self.root))
        return message.replace(f"{self.root}/", "")

    def _columns(self, table: str) -> list[str]:
        cursor = self.connection.execute(f'SELECT * FROM "{table}" LIMIT 0')
        return [column[0] for column in cursor.description or ()]


def _made(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path
