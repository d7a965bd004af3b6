"""What a page's query may do, checked before it runs. No Sphinx here.

A page is untrusted: its query must be one read-only SELECT over the report's
tables. DuckDB's own sandbox (external access off, configuration locked)
stops writes and reads of other files; this check says why in words, and
refuses what that sandbox allows but a report must not: reading a file by
path instead of by its table (the page would not be rebuilt when the file
changes, nor its provenance shown) and asking DuckDB for its settings, which
hold the build machine's paths.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .errors import ReportError

if TYPE_CHECKING:
    import duckdb

#: Why each kind of statement may not run in a report, in words.
REFUSED_STATEMENTS = {
    "INSERT": "it writes to a table",
    "UPDATE": "it writes to a table",
    "DELETE": "it writes to a table",
    "COPY": "it writes or reads files",
    "EXPORT": "it writes files",
    "ATTACH": "it opens another database",
    "DETACH": "it closes a database",
    "LOAD": "it loads an extension",
    "EXTENSION": "it installs an extension",
    "SET": "it changes settings",
    "VARIABLE_SET": "it changes settings",
    "PRAGMA": "it changes or reads settings",
    "CREATE": "it changes the catalog",
    "DROP": "it changes the catalog",
    "ALTER": "it changes the catalog",
    "CALL": "it calls a procedure",
    "MULTI": "it runs as several statements (a PIVOT without an IN list does): "
    "write FROM t PIVOT (sum(v) FOR c IN ('a', 'b')) instead",
}

#: Functions that read files by path, and what to write instead.
_FILE_FUNCTION = re.compile(
    r"^(read_\w+|parquet_\w+|sniff_csv|glob|\w+_scan|st_read|iceberg_\w+|delta_\w+)$"
)
#: Functions that tell about the machine or DuckDB's settings and files.
_INTROSPECTION = re.compile(
    r"^(current_setting|duckdb_\w+|pragma_\w+|which_secret|getenv)$"
)
#: Functions that run SQL or read a table named in a string, out of this
#: check's sight.
_INDIRECT = re.compile(r"^(query|query_table)$")
_PATH_LIKE = re.compile(
    r"[/\\]|\.(csv|tsv|json|jsonl|ndjson|parquet|txt|gz|zst)$", re.I
)


def check_query(
    connection: duckdb.DuckDBPyConnection, sql: str, trees: dict[str, Any] | None = None
) -> list[str]:
    """The names of the parameters of a query a page may run, or a
    :class:`ReportError` that says why it may not."""
    import duckdb

    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise ReportError("sql", f"bad SQL: {first_line(exc)}") from None
    for statement in statements:
        if statement.type != duckdb.StatementType.SELECT:
            kind = statement.type.name
            why = REFUSED_STATEMENTS.get(kind, "it is not a SELECT")
            raise ReportError(
                "sandbox",
                f"{_article(kind)} {kind} statement may not run in a report, "
                f"since {why}; a page may only read the report's tables "
                "with one SELECT",
            )
    if len(statements) != 1:
        raise ReportError("sql", f"expected one SQL statement, got {len(statements)}")
    statement = statements[0]
    parsed = parse_tree(connection, sql, trees)
    if not parsed.get("error"):
        for kind, name in _names(parsed):
            _check_name(kind, name)
    return sorted(statement.named_parameters)


def _check_name(kind: str, name: str) -> None:
    lowered = name.lower()
    if kind == "function" and _FILE_FUNCTION.match(lowered):
        raise ReportError(
            "sandbox",
            f"{name}() reads a file by path, which a page may not: read the "
            "file's table by its name (FROM communities for data/communities.csv)",
        )
    if kind == "function" and _INTROSPECTION.match(lowered):
        raise ReportError(
            "sandbox",
            f"{name}() tells about DuckDB's settings or the build machine, "
            "which a page may not read",
        )
    if kind == "function" and _INDIRECT.match(lowered):
        raise ReportError(
            "sandbox",
            f"{name}() runs SQL or reads a table named in a string, which a page "
            "may not: write the query itself",
        )
    if kind == "table" and _PATH_LIKE.search(name):
        raise ReportError(
            "sandbox",
            f"FROM '{name}' reads a file by path, which a page may not: read "
            "the file's table by its name",
        )


def parse_tree(
    connection: duckdb.DuckDBPyConnection, sql: str, trees: dict[str, Any] | None = None
) -> Any:
    """DuckDB's parse tree of a SELECT, as JSON (parsed only, never bound),
    kept in ``trees`` when given: the check and the list of tables both read
    it, and a tree depends only on the query's text."""
    if trees is not None and sql in trees:
        return trees[sql]
    row = connection.execute("SELECT json_serialize_sql($q)", {"q": sql}).fetchone()
    tree = json.loads(row[0]) if row else {}
    if trees is not None:
        trees[sql] = tree
    return tree


def table_names(
    connection: duckdb.DuckDBPyConnection, sql: str, trees: dict[str, Any] | None = None
) -> set[str]:
    """The names a query reads as tables or views, lower case, from its parse
    tree: unlike DuckDB's get_table_names it does not bind, so a view is
    named as itself (not as the tables behind it) whether or not it exists yet,
    and the names of the query's own CTEs are left out."""
    parsed = parse_tree(connection, sql, trees)
    if parsed.get("error"):
        return set()
    names = {name.lower() for kind, name in _names(parsed) if kind == "table"}
    return names - _cte_names(parsed)


def _cte_names(tree: Any) -> set[str]:
    found: set[str] = set()
    stack = [tree]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            cte_map = item.get("cte_map")
            if isinstance(cte_map, dict):
                found.update(
                    str(entry.get("key", "")).lower()
                    for entry in cte_map.get("map", [])
                    if isinstance(entry, dict)
                )
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _names(tree: Any) -> list[tuple[str, str]]:
    """Every function and base table a parsed query names."""
    found: list[tuple[str, str]] = []
    stack = [tree]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("function_name"), str):
                found.append(("function", item["function_name"]))
            if item.get("type") == "BASE_TABLE" and isinstance(
                item.get("table_name"), str
            ):
                found.append(("table", item["table_name"]))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def first_line(exc: BaseException) -> str:
    """The first line of an error: DuckDB repeats the query after it."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _article(word: str) -> str:
    return "An" if word[0] in "AEIOU" else "A"


def reader_problem(message: str) -> str:
    """DuckDB's reader error in a line, with the likely cause: its full text
    runs to a thousand characters of sniffer options."""
    first = " ".join(message.split("\n\n")[0].split())
    if "sniffing" in first or "dialect" in message:
        return (
            "DuckDB could not detect its CSV dialect (delimiter, quoting, line "
            "endings); check that it is one well-formed CSV with one kind of "
            "line ending"
        )
    return first[:300]


def as_variables(sql: str) -> str:
    """A view's ``$name`` parameters as ``getvariable('name')``: a view holds
    no bound value, and the engine sets each parameter as a variable."""
    return _replace_parameters(sql, lambda name: f"getvariable('{name}') ")


def without_parameters(sql: str) -> str:
    """Replace ``$name`` and ``?`` parameters with NULL, so the parser can list
    tables of a query that has parameters."""
    return _replace_parameters(sql, lambda name: "NULL ")


def _replace_parameters(sql: str, replace: Callable[[str], str]) -> str:
    """``sql`` with each ``$name`` (or ``?``) parameter replaced, found by
    DuckDB's own tokenizer (so a "$" in a string is left alone)."""
    import duckdb

    pieces: list[str] = []
    tokens = duckdb.tokenize(sql)
    cursor = 0
    for index, (position, kind) in enumerate(tokens):
        if kind != duckdb.token_type.operator or sql[position] not in "$?":
            continue
        skip = 2 if sql[position] == "$" else 1  # "$" is followed by its name
        end = tokens[index + skip][0] if index + skip < len(tokens) else len(sql)
        name = sql[position + 1 : end].strip() if skip == 2 else ""
        pieces += [sql[cursor:position], replace(name)]
        cursor = end
    pieces.append(sql[cursor:])
    return "".join(pieces)
