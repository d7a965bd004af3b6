"""Sources fetched into pinned snapshots: a real HTTP server on loopback, a
real loader program, a real SQLite file; ``sphinx-grantreport fetch``, the
lock file, builds that read snapshots only, and every way a source can fail.
(PostgreSQL: test_sources_postgres.py.)"""

from __future__ import annotations

import gzip
import hashlib
import json
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from sphinx_grantreport.command_line import main

TOKEN = "s3cr3t-token-value-42"

MEMBERS = "name,dues,joined\nAda,120,2024-01-05\nBo,80,2024-03-10\nCy,100,2025-02-01\n"

Route = Callable[[BaseHTTPRequestHandler], None]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self.server.seen.append((self.path, dict(self.headers)))
        route = self.server.routes.get(self.path.split("?")[0])
        if route is None:
            self.send_error(404)
        else:
            route(self)

    def log_message(self, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    routes: dict[str, Route]
    seen: list[tuple[str, dict[str, str]]]


def send(
    body: bytes | str,
    status: int = 200,
    content_type: str = "text/csv",
    headers: dict[str, str] | None = None,
    token: bool = False,
) -> Route:
    data = body.encode() if isinstance(body, str) else body

    def route(handler: BaseHTTPRequestHandler) -> None:
        if token and handler.headers.get("Authorization") != f"Bearer {TOKEN}":
            handler.send_error(401, f"bad token {handler.headers.get('Authorization')}")
            return
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)

    return route


def endless(handler: BaseHTTPRequestHandler) -> None:
    """A response that never ends, without a length: only a cap stops it."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/csv")
    handler.end_headers()
    try:
        handler.wfile.write(b"a,b\n")
        while True:
            handler.wfile.write(b"1,2\n" * 4096)
    except OSError:
        pass


def dripping(handler: BaseHTTPRequestHandler) -> None:
    """A server that answers a byte at a time, for ever."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/csv")
    handler.end_headers()
    try:
        handler.wfile.write(b"a,b\n")
        for _ in range(600):
            handler.wfile.write(b"1")
            handler.wfile.flush()
            time.sleep(0.05)
    except OSError:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[_Server]:
    """An HTTP server on 127.0.0.1, started for this module's tests."""
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.routes, httpd.seen = {}, []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()


def base_url(server: _Server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def report(project, server, monkeypatch):
    """The sources root with its grantreport.toml pointing at the server."""
    monkeypatch.setenv("GR_TEST_TOKEN", TOKEN)
    server.routes.clear()
    server.seen.clear()
    server.routes["/members.csv"] = send(MEMBERS, token=True)
    built = project("sources")
    built.write("grantreport.toml", project_file(base_url(server)))
    return built


def project_file(base: str, extra: str = "", members: str = "") -> str:
    return f"""\
[sources.members]
url = "{base}/members.csv"
headers = {{ Authorization = "Bearer ${{GR_TEST_TOKEN}}" }}
max_age = "30d"
{members}

[sources.prs]
command = "python loaders/prs.py"
format = "json"
timeout = 5

[metrics.members]
sql = "SELECT count(*) FROM members"
label = "Members"

[metrics.dues]
sql = "SELECT sum(dues) FROM members"

[metrics.prs]
sql = "SELECT sum(prs) FROM prs"
{extra}"""


def fetch(directory: Path, *names: str, stale: bool = False) -> int:
    return main(
        ["fetch", "-C", str(directory), *names, *(["--stale"] if stale else [])]
    )


def lock(directory: Path) -> dict:
    return json.loads((directory / "grantreport.lock").read_text())["sources"]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_fetch_writes_snapshots_and_a_lock_entry_for_each_source(report, capsys):
    assert fetch(report.srcdir) == 0
    entries = lock(report.srcdir)
    assert set(entries) == {"members", "prs"}
    members = entries["members"]
    assert members["kind"] == "url"
    assert members["fetched"].endswith("/members.csv")
    assert members["rows"] == 3
    assert members["columns"] == [
        ["name", "VARCHAR"],
        ["dues", "BIGINT"],
        ["joined", "DATE"],
    ]
    assert members["snapshot"] == "snapshots/members.parquet"
    assert members["sha256"] == sha(report.srcdir / "snapshots/members.parquet")
    assert entries["prs"]["fetched"] == "python loaders/prs.py"
    assert entries["prs"]["rows"] == 2
    out = capsys.readouterr().out
    assert "3 rows, 3 columns -> snapshots/members.parquet (new data" in out


def test_a_build_reads_the_snapshots_and_shows_where_they_came_from(report):
    fetch(report.srcdir)
    report.build()
    assert "WARNING" not in report.warnings, report.warnings
    html = report.html()
    assert (
        "We count 3 members, 300 in dues."
        in " ".join(html.split()).replace('<span class="kpi-value"', "")
        or ">3<" in html
    )
    assert "/members.csv (fetched " in html  # the hover names the URL
    assert "from python loaders/prs.py" not in html  # not on this page
    today = lock(report.srcdir)["members"]["fetched_at"][:10]
    assert f'data-kpi-as-of="{today}"' in html  # as_of is the fetch day
    appendix = report.html("data")
    assert "snapshots/members.parquet</span></code> from <code" in appendix
    report.build("kpis")
    entries = json.loads((report.outdir / "kpis.json").read_text())
    members = next(e for e in entries if e["key"] == "members")
    [source] = members["sources"]
    assert source["table"] == "members"
    assert source["fetched"].endswith("/members.csv")
    assert source["fetched_at"] == lock(report.srcdir)["members"]["fetched_at"]


def test_a_build_never_reaches_the_network_by_default(report, server):
    fetch(report.srcdir)
    server.seen.clear()
    report.build()
    assert server.seen == []


def test_a_source_with_no_snapshot_warns_at_the_page_then_rebuilds_once_fetched(
    report,
):
    report.build()
    assert "index.md:8: WARNING: source 'members' has no snapshot yet" in (
        report.warnings
    )
    assert "[grantreport.source]" in report.warnings
    assert "⚠" in report.html()
    fetch(report.srcdir)
    report.build()
    assert "index" in report.read_docs and "prs" in report.read_docs
    assert "WARNING" not in report.warnings
    report.build()
    assert report.read_docs == []  # nothing to do


def test_secrets_appear_nowhere(report, capsys):
    (report.srcdir / "loaders/mode").write_text("secret")
    assert fetch(report.srcdir) == 1
    said = capsys.readouterr()
    assert "token *** refused" in said.err
    report.build("kpis")
    report.build()
    (report.srcdir / "loaders/mode").write_text("")
    fetch(report.srcdir)
    report.build("kpis")
    report.build("html", confoverrides={"grantreport_fetch": "always"})
    said = capsys.readouterr()
    for path in report.srcdir.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path
    assert TOKEN not in said.out + said.err + report.warnings
    assert "${GR_TEST_TOKEN}" not in lock(report.srcdir)["members"]["fetched"]


def test_an_unset_secret_is_a_located_warning(report, monkeypatch, capsys):
    monkeypatch.delenv("GR_TEST_TOKEN")
    assert fetch(report.srcdir, "members") == 1
    err = capsys.readouterr().err
    assert "grantreport.toml:1: members: environment variable GR_TEST_TOKEN is " in err


@pytest.mark.parametrize(
    ("route", "said"),
    [
        (send("nope", status=404), "the server answered 404"),
        (send("oops", status=500), "the server answered 500"),
        (
            send(
                "<!DOCTYPE html><html><body>Sign in</body></html>",
                content_type="text/html",
            ),
            "got an HTML page where CSV was expected",
        ),
        (
            send("<html>login</html>", content_type="text/csv"),
            "got an HTML page where CSV was expected",
        ),
        (send(""), "the response is empty"),
        (endless, "larger than max_size"),
        (
            send(b"\x1f\x8b not gzip", headers={"Content-Encoding": "gzip"}),
            "not valid gzip",
        ),
        (send("x,y\n\x00\x00\xff\xfe"), "got binary data where CSV was expected"),
    ],
    ids=["404", "500", "html", "html-as-csv", "empty", "endless", "bad-gzip", "binary"],
)
def test_a_failed_fetch_keeps_the_last_snapshot_and_warns_at_the_source(
    report, server, route, said
):
    fetch(report.srcdir)
    snapshot = report.srcdir / "snapshots/members.parquet"
    before, lock_before = sha(snapshot), lock(report.srcdir)["members"]
    server.routes["/members.csv"] = route
    report.write(
        "grantreport.toml",
        project_file(base_url(server), members='max_size = "64KB"'),
    )
    report.build("html", confoverrides={"grantreport_fetch": "always"})
    warnings = report.warnings
    assert "grantreport.toml:1: WARNING: " in warnings, warnings
    assert said in warnings
    assert "[grantreport.source]" in warnings
    assert warnings.count("\n") <= 2, warnings  # one line, no traceback
    assert sha(snapshot) == before
    assert lock(report.srcdir)["members"]["sha256"] == lock_before["sha256"]
    assert ">3<" in report.html() or "3 members" in report.html()


def test_a_timeout_stops_a_slow_server(report, server):
    server.routes["/members.csv"] = dripping
    report.write(
        "grantreport.toml", project_file(base_url(server), members="timeout = 1")
    )
    started = time.monotonic()
    assert fetch(report.srcdir, "members") == 1
    assert time.monotonic() - started < 10


def test_redirects_and_gzip_are_followed_but_not_to_other_schemes(
    report, server, capsys
):
    server.routes["/old.csv"] = send(
        "", status=302, headers={"Location": "/members.csv.gz"}
    )
    server.routes["/members.csv.gz"] = send(gzip.compress(MEMBERS.encode()), token=True)
    server.routes["/file.csv"] = send(
        "", status=302, headers={"Location": "file:///etc/passwd"}
    )
    base = base_url(server)
    report.write(
        "grantreport.toml", project_file(base).replace("/members.csv", "/old.csv")
    )
    assert fetch(report.srcdir, "members") == 0
    assert lock(report.srcdir)["members"]["rows"] == 3
    report.write(
        "grantreport.toml", project_file(base).replace("/members.csv", "/file.csv")
    )
    assert fetch(report.srcdir, "members") == 1
    assert "Redirection to url 'file:///etc/passwd' is not allowed" in (
        capsys.readouterr().err
    )


@pytest.mark.parametrize(
    ("mode", "said"),
    [
        (
            "fail",
            "the loader exited with status 3: Traceback (most recent call last): "
            "| RuntimeError: the API said 403 rate limited",
        ),
        ("garbage", "cannot read what command gave as JSON"),
        ("empty", "no output"),
        ("no-rows", "the command gave no rows; the snapshot is not replaced"),
        ("hang", "the loader took longer than 5 s"),
    ],
)
def test_a_broken_loader_keeps_the_last_snapshot(report, capsys, mode, said):
    assert fetch(report.srcdir, "prs") == 0
    snapshot = report.srcdir / "snapshots/prs.parquet"
    before = sha(snapshot)
    (report.srcdir / "loaders/mode").write_text(mode)
    started = time.monotonic()
    assert fetch(report.srcdir, "prs") == 1
    assert time.monotonic() - started < 15
    err = capsys.readouterr().err
    assert f"grantreport.toml:7: prs: {said}" in err
    assert "(the last snapshot is kept)" in err
    assert sha(snapshot) == before
    if mode == "hang":  # a long fetch says it is still going
        assert "  prs: 0.0 MB in 2 s" in err


def test_a_loader_that_cannot_start_says_so(report, capsys):
    report.write(
        "grantreport.toml",
        project_file(base_url_dummy()).replace(
            "python loaders/prs.py", "no-such-loader-x"
        ),
    )
    assert fetch(report.srcdir, "prs") == 1
    assert "cannot run 'no-such-loader-x'" in capsys.readouterr().err


def base_url_dummy() -> str:
    return "http://127.0.0.1:9"


def test_refetching_changed_data_rebuilds_only_the_pages_that_use_it(report, server):
    fetch(report.srcdir)
    report.build()
    assert "Merged: " in report.html("prs")
    (report.srcdir / "loaders/prs.json").write_text('[{"repo": "alpha", "prs": 30}]')
    assert fetch(report.srcdir, "prs") == 0
    report.build()
    assert sorted(report.read_docs) == ["data", "prs"]  # the appendix lists it
    assert ">30<" in report.html("prs")
    # the same data again: the snapshot's bytes stay, its time moves on
    snapshot = report.srcdir / "snapshots/members.parquet"
    before = snapshot.read_bytes()
    time.sleep(1.1)
    assert fetch(report.srcdir, "members") == 0
    assert snapshot.read_bytes() == before
    report.build()
    assert sorted(report.read_docs) == ["data", "index"]


def test_fetch_policies_in_a_build(report, server):
    report.build("html", confoverrides={"grantreport_fetch": "missing"})
    assert len(server.seen) == 1
    assert "WARNING" not in report.warnings, report.warnings
    report.build("html", confoverrides={"grantreport_fetch": "missing"})
    assert len(server.seen) == 1  # both have a snapshot now
    report.build("html", confoverrides={"grantreport_fetch": "stale"})
    assert len(server.seen) == 1  # no refresh set: never stale by age
    # a changed definition makes its snapshot stale
    changed = project_file(base_url(server), members='refresh = "1h"')
    report.write("grantreport.toml", changed.replace(".csv", ".csv?sheet=2"))
    report.build("html", confoverrides={"grantreport_fetch": "stale"})
    assert len(server.seen) == 2
    # older than its refresh
    entries = json.loads((report.srcdir / "grantreport.lock").read_text())
    entries["sources"]["members"]["fetched_at"] = "2020-01-01T00:00:00+00:00"
    (report.srcdir / "grantreport.lock").write_text(json.dumps(entries))
    assert fetch(report.srcdir, stale=True) == 0
    assert len(server.seen) == 3
    report.build("html", confoverrides={"grantreport_fetch": "always"})
    assert len(server.seen) == 4


def test_fetch_in_the_project_file_settings(report, server):
    report.write(
        "grantreport.toml",
        project_file(base_url(server), extra='\n[settings]\nfetch = "missing"\n'),
    )
    report.build()
    assert len(server.seen) == 1
    assert "WARNING" not in report.warnings, report.warnings


def test_a_bad_fetch_policy_is_a_config_warning(report):
    report.build("html", confoverrides={"grantreport_fetch": "sometimes"})
    assert "grantreport_fetch must be one of never, missing, stale, always" in (
        report.warnings
    )


def test_a_snapshot_older_than_max_age_warns_at_the_source(report, monkeypatch):
    fetch(report.srcdir)
    later = int(time.time()) + 40 * 86400
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(later))
    report.build()
    assert "grantreport.toml:1: WARNING: source 'members' was fetched " in (
        report.warnings
    )
    assert "longer ago than its max_age" in report.warnings
    assert report.warnings.count("max_age") == 1  # once, not per value


def test_fetch_names_and_errors_on_the_command_line(report, capsys):
    assert fetch(report.srcdir, "nope") == 2
    assert "no source named nope (sources: members, prs)" in capsys.readouterr().err
    assert fetch(report.srcdir, "prs") == 0
    assert set(lock(report.srcdir)) == {"prs"}
    assert fetch(report.srcdir, stale=True) == 0
    assert set(lock(report.srcdir)) == {"members", "prs"}
    assert fetch(report.srcdir, stale=True) == 0
    assert "Nothing to fetch" in capsys.readouterr().out
    assert main(["fetch", "-C", str(report.srcdir / "loaders")]) == 2


@pytest.mark.parametrize(
    ("entry", "said"),
    [
        ('url = "ftp://x/y.csv"', "url must start with http:// or https://"),
        ('url = "https://x/y.csv"\ncommand = "x"', "needs exactly one of url, command"),
        ('command = "x"\nrefresh = "soon"', "refresh must read like"),
        ('url = "https://x/y.csv"\nsalt = 1', "unknown field(s) salt"),
        ('database = "mysql://x"\nsql = "SELECT 1"', "database must start with"),
        ('database = "sqlite:x.db"', "database needs an sql query"),
        ('command = "x"\nformat = "xlsx"', "format goes with url or command"),
        ('command = "x"\nmax_size = "lots"', "max_size must read like"),
    ],
)
def test_a_malformed_source_is_a_located_config_warning(report, entry, said):
    report.write(
        "grantreport.toml",
        f"[params]\nyear = 2024\n\n[sources.broken]\n{entry}\n",
    )
    report.build()
    assert f"grantreport.toml:4: WARNING: source 'broken': {said}" in report.warnings
    assert "[grantreport.config]" in report.warnings


def test_a_sqlite_database_does_the_aggregation(report, capsys):
    database = report.srcdir / "data" / "app.sqlite"
    database.parent.mkdir()
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE events (kind TEXT, size REAL)")
        connection.executemany(
            "INSERT INTO events VALUES (?, ?)",
            [("login", 1.5), ("login", 2.5), ("upload", 10.0)],
        )
    report.write(
        "grantreport.toml",
        project_file(base_url_dummy())
        + """
[sources.events]
database = "sqlite:data/app.sqlite"
sql = '''SELECT kind, count(*) AS n, sum(size) AS size
         FROM events GROUP BY kind ORDER BY kind'''

[metrics.logins]
sql = "SELECT n FROM events WHERE kind = 'login'"
""",
    )
    assert fetch(report.srcdir, "events") == 0
    entry = lock(report.srcdir)["events"]
    assert entry["rows"] == 2
    assert entry["columns"] == [
        ["kind", "VARCHAR"],
        ["n", "BIGINT"],
        ["size", "DOUBLE"],
    ]
    assert "GROUP BY kind" in entry["fetched"]
    report.write("prs.md", "# Logins\n\nLogins: {kpi}`logins`.\n")
    report.build()
    assert ">2<" in report.html("prs")
    # read-only: the source's query cannot change the database
    report.write(
        "grantreport.toml",
        project_file(base_url_dummy())
        + '\n[sources.events]\ndatabase = "sqlite:data/app.sqlite"\n'
        'sql = "DELETE FROM events RETURNING kind"\n',
    )
    capsys.readouterr()
    assert fetch(report.srcdir, "events") == 1
    assert "readonly" in capsys.readouterr().err.lower().replace("-", "")


def test_diff_shows_exactly_the_numbers_a_refresh_moved(
    report, server, tmp_path, capsys
):
    fetch(report.srcdir)
    report.build("kpis")
    old = tmp_path / "old.json"
    old.write_bytes((report.outdir / "kpis.json").read_bytes())
    server.routes["/members.csv"] = send(MEMBERS + "Di,50,2025-06-01\n", token=True)
    assert fetch(report.srcdir, "members") == 0
    report.build("kpis")
    capsys.readouterr()
    assert main(["diff", str(old), str(report.outdir), "--check"]) == 1
    out = capsys.readouterr().out
    assert "Members: 3 → 4 (+1, +33.3%)" in out
    assert "300 → 350" in out
    assert "prs" not in out.replace("dues", "")  # the loader's numbers did not move
    assert out.splitlines()[0].startswith("2 of ")


def test_a_snapshot_that_is_not_the_pinned_file_warns(report):
    fetch(report.srcdir)
    (report.srcdir / "snapshots/members.parquet").write_bytes(
        (report.srcdir / "snapshots/prs.parquet").read_bytes()
    )
    report.build()
    assert (
        "grantreport.toml:1: WARNING: snapshots/members.parquet is not the "
        "snapshot grantreport.lock pinned"
    ) in report.warnings


def test_the_lock_file_cannot_point_a_table_at_another_file(report):
    fetch(report.srcdir)
    path = report.srcdir / "grantreport.lock"
    entries = json.loads(path.read_text())
    entries["sources"]["members"]["snapshot"] = "snapshots/prs.parquet"
    path.write_text(json.dumps(entries))
    report.build()
    assert ">3<" in report.html()  # still snapshots/members.parquet
    (report.srcdir / "snapshots/members.parquet").unlink()
    (report.srcdir / "snapshots/members.parquet").symlink_to("/etc/hostname")
    report.build(fresh=True)
    assert "links to a file outside the project's folder" in report.warnings
    assert "[grantreport.sandbox]" in report.warnings


def test_a_broken_lock_file_is_said_where_a_source_is_used(report):
    fetch(report.srcdir)
    (report.srcdir / "grantreport.lock").write_text("{not json")
    report.build()
    assert "cannot read grantreport.lock: " in report.warnings
    assert "[grantreport.source]" in report.warnings
    assert fetch(report.srcdir) == 0  # a fetch writes it anew
    assert set(lock(report.srcdir)) == {"members", "prs"}


@pytest.mark.parametrize(
    "uri",
    [
        "postgresql://report:Hunter2secret@db.example.org/metrics",
        "postgresql://report@db.example.org/metrics?password=Hunter2secret",
        "https://example.org/export.csv?token=Hunter2secret&gid=0",
    ],
)
def test_a_password_written_into_a_uri_is_not_shown(uri):
    from sphinx_grantreport.source_definitions import SourceDefinition, secrets

    kind = "url" if uri.startswith("https") else "database"
    entry = {kind: uri, **({"sql": "SELECT 1"} if kind == "database" else {})}
    source = SourceDefinition.from_config("x", entry)
    assert "Hunter2secret" not in source.fetched
    assert "***" in source.fetched
    assert "Hunter2secret" in secrets(source, {})


def test_the_installed_command_fetches(report):
    command = [sys.executable, "-m", "sphinx_grantreport", "fetch"]
    result = subprocess.run(
        [*command, "prs", "-C", str(report.srcdir)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "Fetching prs (command) ..." in result.stdout
    assert lock(report.srcdir)["prs"]["rows"] == 2
