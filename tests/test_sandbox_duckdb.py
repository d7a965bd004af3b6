"""The sandbox at DuckDB's own level, below the engine's checks of a query
(one SELECT, no file read by path), and the warning subtype a page gets when
a hostile SELECT is refused, by those checks or by DuckDB itself."""

from __future__ import annotations

import re
import shutil
from io import StringIO
from pathlib import Path

import duckdb
import pytest
from sphinx.testing.util import SphinxTestApp

from sphinx_grantreport.engine import QueryEngine
from sphinx_grantreport.errors import ReportError

BASIC = Path(__file__).parent / "roots" / "test-basic"
SECRET = "top-secret-7f3a"  # what no query may ever show
REFUSAL = re.compile(r"permission|disabled|locked", re.IGNORECASE)


@pytest.fixture
def places(tmp_path: Path) -> dict[str, Path]:
    """A report root with one data file, a secret in a sibling folder whose
    name starts with the root's own, and a link inside the root to the secret."""
    root = tmp_path / "report"
    (root / "data").mkdir(parents=True)
    (root / "data" / "hubs.csv").write_text("hub,users\na,10\nb,32\n", "utf-8")
    (root / "conf.py").write_text(f"# {SECRET}\n", "utf-8")
    sibling = tmp_path / "report-sibling"
    sibling.mkdir()
    (sibling / "secret.csv").write_text(f"secret\n{SECRET}\n", "utf-8")
    (root / "link.csv").symlink_to(sibling / "secret.csv")
    return {"root": root, "sibling": sibling, "tmp": tmp_path}


@pytest.fixture
def connection(places):
    """The engine's own sandboxed DuckDB connection, used directly."""
    engine = QueryEngine({"hubs": places["root"] / "data" / "hubs.csv"}, places["root"])
    yield engine.connection
    engine.close()


def snapshot(places) -> list[str]:
    return sorted(str(p.relative_to(places["tmp"])) for p in places["tmp"].rglob("*"))


def refused(connection, sql: str) -> str:
    """Run a statement that DuckDB must refuse; the refusal's message."""
    with pytest.raises(duckdb.Error) as error:
        connection.execute(sql).fetchall()
    message = str(error.value)
    assert isinstance(error.value, duckdb.PermissionException) or REFUSAL.search(
        message
    ), message
    assert SECRET not in message
    return message


WRITES_OUTSIDE = [
    "COPY (SELECT 1) TO '{sibling}/copied.csv'",
    "COPY (SELECT 1) TO '{tmp}/copied.csv'",
    "COPY (SELECT 42 AS n) TO '{sibling}/n.parquet' (FORMAT parquet)",
    "ATTACH '{sibling}/new.duckdb' AS other",
    "EXPORT DATABASE '{sibling}/exported'",
]


@pytest.mark.parametrize("sql", WRITES_OUTSIDE)
def test_duckdb_refuses_writes_outside_the_root(connection, places, sql):
    before = snapshot(places)
    refused(connection, sql.format(**places))
    assert snapshot(places) == before


WRITES_INSIDE = [
    "COPY (SELECT 1) TO '{root}/copied.csv'",
    "COPY (SELECT 1) TO '{root}/data/copied.csv'",
    "ATTACH '{root}/new.duckdb' AS other",
    "ATTACH '{root}/data/new.duckdb' AS other",
    "EXPORT DATABASE '{root}/exported'",
]


@pytest.mark.parametrize("sql", WRITES_INSIDE)
def test_duckdb_refuses_writes_inside_the_root(connection, places, sql):
    """Not only the engine's checks: DuckDB writes nothing next to the data."""
    before = snapshot(places)
    refused(connection, sql.format(**places))
    assert snapshot(places) == before


@pytest.mark.xfail(
    strict=True,
    reason="DuckDB's allowed_paths lets a connection write the declared data "
    "files as well as read them: only the engine's one-SELECT check stops a "
    "COPY over a data file",
)
def test_duckdb_alone_refuses_to_overwrite_a_data_file(connection, places):
    data = places["root"] / "data" / "hubs.csv"
    before = data.read_bytes()
    try:
        refused(
            connection,
            f"COPY (SELECT 'x' AS hub, 99 AS users) TO '{data}' (USE_TMP_FILE false)",
        )
    finally:
        assert data.read_bytes() == before


@pytest.mark.parametrize("sql", WRITES_INSIDE)
def test_the_engine_refuses_writes_inside_the_root(places, sql):
    engine = QueryEngine({"hubs": places["root"] / "data" / "hubs.csv"}, places["root"])
    before = snapshot(places)
    with pytest.raises(ReportError) as error:
        engine.query(sql.format(**places))
    engine.close()
    assert error.value.subtype == "sandbox"
    assert snapshot(places) == before


EXTENSIONS = ["INSTALL httpfs", "LOAD httpfs", "INSTALL json", "INSTALL icu"]


@pytest.mark.parametrize("sql", EXTENSIONS)
def test_duckdb_refuses_to_install_or_load_extensions(connection, sql):
    refused(connection, sql)


SETTINGS = [
    "SET enable_external_access = true",
    "RESET enable_external_access",
    "SET lock_configuration = false",
    "RESET lock_configuration",
    "SET allowed_directories = ['/']",
    "RESET allowed_directories",
    "SET allowed_paths = ['/etc/passwd']",
    "SET autoinstall_known_extensions = true",
    "SET autoload_known_extensions = true",
    "SET allow_unsigned_extensions = true",
    "SET allow_community_extensions = true",
]


@pytest.mark.parametrize("sql", SETTINGS)
def test_duckdb_configuration_is_locked(connection, sql):
    message = refused(connection, sql)
    assert "locked" in message
    # and the sandbox is still on
    (external,) = connection.execute(
        "SELECT current_setting('enable_external_access')"
    ).fetchone()
    assert external is False


READS_REFUSED = [
    "SELECT * FROM read_text('/etc/passwd')",
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_blob('/etc/passwd')",
    "SELECT * FROM read_json('/etc/passwd')",
    "SELECT * FROM glob('/etc/*')",
    "SELECT * FROM read_text('{sibling}/secret.csv')",
    "SELECT * FROM read_csv('{sibling}/secret.csv')",
    "SELECT * FROM read_blob('{sibling}/secret.csv')",
    "SELECT * FROM glob('{sibling}/*')",
    "SELECT * FROM read_csv('{root}/../report-sibling/secret.csv')",
    "SELECT * FROM read_csv('../report-sibling/secret.csv')",
    "SELECT * FROM read_text('{root}/link.csv')",  # a link inside the root
    # inside the root, only the declared data files may be read
    "SELECT * FROM read_text('{root}/conf.py')",
    "SELECT * FROM glob('{root}/*')",
    "SELECT * FROM read_csv(['{root}/data/hubs.csv', '{sibling}/secret.csv'])",
    "SELECT * FROM read_csv('file://{sibling}/secret.csv')",
    "SELECT * FROM sniff_csv('{sibling}/secret.csv')",
    "SELECT * FROM parquet_metadata('/etc/passwd')",
    "SELECT * FROM read_csv('https://example.org/data.csv')",
    "SELECT * FROM read_parquet('s3://bucket/data.parquet')",
]


@pytest.mark.parametrize("sql", READS_REFUSED)
def test_duckdb_refuses_reads_of_other_files(connection, places, sql):
    refused(connection, sql.format(**places))


def test_duckdb_reads_the_data_inside_the_root(connection, places):
    """The refusals above are the sandbox, not a broken connection: a
    declared data file may be read."""
    rows = connection.execute(
        f"SELECT count(*) FROM read_csv('{places['root']}/data/hubs.csv')"
    ).fetchall()
    assert rows == [(2,)]


# -- at page level -----------------------------------------------------------

#: Hostile SELECTs a page may write: each must be a .sandbox warning, whether
#: the engine's check of the query stops it (a file read by path, DuckDB's
#: settings) or DuckDB's own sandbox does (the SQL string given to query()).
PAGE_READS = [
    "SELECT count(*) FROM read_text('/etc/passwd')",
    "SELECT count(*) FROM read_csv('/etc/passwd')",
    "SELECT count(*) FROM read_blob('/etc/passwd')",
    "SELECT count(*) FROM read_json('/etc/passwd')",
    "SELECT count(*) FROM glob('/etc/*')",
    "SELECT count(*) FROM '/etc/passwd'",
    "SELECT count(*) FROM read_text('{sibling}/secret.csv')",
    "SELECT max(secret) FROM read_csv('{sibling}/secret.csv')",
    "SELECT max(secret) FROM '{sibling}/secret.csv'",
    "SELECT count(*) FROM read_blob('{sibling}/secret.csv')",
    "SELECT count(*) FROM glob('{sibling}/*')",
    "SELECT max(secret) FROM read_csv('{srcdir}/../report-sibling/secret.csv')",
    "SELECT max(secret) FROM read_csv('../report-sibling/secret.csv')",
    "SELECT max(content) FROM read_text('{srcdir}/link.csv')",
    "SELECT count(*) FROM read_csv(['{srcdir}/data/communities.csv', '/etc/passwd'])",
    "SELECT count(*) FROM read_csv('file://{sibling}/secret.csv')",
    "SELECT count(*) FROM sniff_csv('{sibling}/secret.csv')",
    "SELECT count(*) FROM parquet_metadata('/etc/passwd')",
    "SELECT count(*) FROM read_csv('https://example.org/data.csv')",
    "SELECT count(*) FROM read_parquet('s3://bucket/data.parquet')",
    "SELECT getenv('HOME')",
    "SELECT current_setting('temp_directory')",
    "SELECT count(*) FROM duckdb_settings()",
    # the query inside query() is a string the check cannot see: DuckDB's own
    # sandbox refuses the read, and the engine still says .sandbox
    "SELECT count(*) FROM query('SELECT * FROM read_text(''/etc/passwd'')')",
    "SELECT max(secret) FROM query('FROM read_csv(''{sibling}/secret.csv'')')",
    "SELECT count(*) FROM query('FROM read_text(''{srcdir}/conf.py'')')",
]

#: Hostile SELECTs that give another subtype today, reading nothing: DuckDB
#: takes a path given to query_table() for a table name ("unknown table").
PAGE_OTHERS = {
    "SELECT count(*) FROM query_table('/etc/passwd')": "grantreport.sandbox",
}

#: Settings asked for inside query(): the SQL in the string is out of the
#: check's sight, so query() itself is refused.
PAGE_LEAKS = [
    "SELECT * FROM query('SELECT current_setting(''temp_directory'') AS t')",
    "SELECT * FROM query('SELECT count(*) FROM duckdb_settings()')",
]

_ESCAPES = re.compile(r"\x1b\[[0-9;]*m")
_LOCATED = re.compile(r"index\.md:(\d+): WARNING: (.*) \[(grantreport\.\w+)\]$")


@pytest.fixture(scope="module")
def page_build(tmp_path_factory):
    """One page with a card per hostile query, built once: the srcdir, the
    warnings by line, each line's query, and the HTML."""
    base = tmp_path_factory.mktemp("sandbox-page")
    srcdir = base / "report"
    shutil.copytree(BASIC, srcdir)
    sibling = base / "report-sibling"
    sibling.mkdir()
    (sibling / "secret.csv").write_text(f"secret\n{SECRET}\n", "utf-8")
    (srcdir / "link.csv").symlink_to(sibling / "secret.csv")
    queries = [
        sql.format(srcdir=srcdir, sibling=sibling)
        for sql in [*PAGE_READS, *PAGE_OTHERS, *PAGE_LEAKS]
    ]
    lines = ["# Hostile queries", ""]
    at_line = {}
    for n, sql in enumerate(queries):
        at_line[len(lines) + 1] = sql
        lines += [f":::{{kpi-card}} Query {n}", f":sql: {sql}", ":::", ""]
    lines += ["```{toctree}", "rst_page", "```", ""]
    (srcdir / "index.md").write_text("\n".join(lines), "utf-8")
    warning = StringIO()
    app = SphinxTestApp("html", srcdir=srcdir, status=StringIO(), warning=warning)
    try:
        app.build()
    finally:
        app.cleanup()
    found: dict[str, list[tuple[str, str]]] = {}
    for line in _ESCAPES.sub("", warning.getvalue()).splitlines():
        if match := _LOCATED.search(line):
            found.setdefault(at_line[int(match[1])], []).append((match[3], match[2]))
    html = (Path(app.outdir) / "index.html").read_text("utf-8")
    return {"srcdir": srcdir, "sibling": sibling, "found": found, "html": html}


@pytest.mark.parametrize("sql", PAGE_READS)
def test_a_page_query_reading_outside_files_is_a_sandbox_warning(page_build, sql):
    query = sql.format(srcdir=page_build["srcdir"], sibling=page_build["sibling"])
    ((subtype, message),) = page_build["found"][query]
    assert subtype == "grantreport.sandbox", message
    assert SECRET not in message


@pytest.mark.parametrize("sql", PAGE_OTHERS)
def test_hostile_queries_with_another_subtype_today(page_build, sql):
    query = sql.format(srcdir=page_build["srcdir"], sibling=page_build["sibling"])
    ((subtype, message),) = page_build["found"][query]
    assert subtype == PAGE_OTHERS[sql], message
    assert SECRET not in message


@pytest.mark.parametrize("sql", PAGE_LEAKS)
def test_settings_asked_for_inside_query_are_a_sandbox_warning(page_build, sql):
    query = sql.format(srcdir=page_build["srcdir"], sibling=page_build["sibling"])
    assert [subtype for subtype, _ in page_build["found"].get(query, [])] == [
        "grantreport.sandbox"
    ]


def test_no_hostile_query_shows_anything(page_build):
    html = page_build["html"]
    assert SECRET not in html
    assert "root:x:0:0" not in html  # /etc/passwd
    assert html.count("⚠ metric unavailable") == len(PAGE_READS) + len(
        PAGE_OTHERS
    ) + len(PAGE_LEAKS)
    assert sum(map(len, page_build["found"].values())) == len(page_build["found"])
