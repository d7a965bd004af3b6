"""A page reads only the report's declared data files, by table name; links,
odd file names and unreadable files are located warnings that leak nothing;
a page whose table is missing or whose as-of data changes is read again."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sphinx.testing.util import SphinxTestApp

ROOT = Path(__file__).parent / "roots" / "test-hardening"
PLACEHOLDER = "⚠ metric unavailable"
_ESCAPES = re.compile(r"\x1b\[[0-9;]*m")


@dataclass
class Build:
    """One finished Sphinx build of a source directory."""

    srcdir: Path
    builddir: Path
    outdir: Path
    warnings: str
    status: str
    statuscode: int

    def html(self, page: str = "index") -> str:
        return (self.outdir / f"{page}.html").read_text(encoding="utf-8")

    def soup(self, page: str = "index") -> BeautifulSoup:
        return BeautifulSoup(self.html(page), "html.parser")

    def lines(self) -> list[str]:
        return [line for line in self.warnings.splitlines() if "WARNING" in line]

    def files_with(self, needle: str, suffixes: tuple[str, ...] = ()) -> list[str]:
        """The files the build wrote (pages, lists, doctrees) that hold a text."""
        return [
            path.relative_to(self.builddir).as_posix()
            for path in sorted(self.builddir.rglob("*"))
            if path.is_file()
            and (not suffixes or path.suffix in suffixes)
            and needle.encode() in path.read_bytes()
        ]


def copy_root(destination: Path) -> Path:
    shutil.copytree(ROOT, destination, symlinks=True)
    return destination


def sphinx(srcdir: Path, buildername: str = "html", **options: object) -> Build:
    """Build in this process, beside the source directory (not inside it)."""
    builddir = srcdir.parent / f"_build-{srcdir.name}-{buildername}"
    app = SphinxTestApp(
        buildername,
        srcdir=srcdir,
        builddir=builddir,
        status=StringIO(),
        warning=StringIO(),
        **options,
    )
    try:
        app.build()
    finally:
        app.cleanup()
    return Build(
        srcdir,
        builddir,
        Path(app.outdir),
        _ESCAPES.sub("", app.warning.getvalue()),
        app.status.getvalue(),
        app.statuscode,
    )


def message(line: str) -> str:
    """A warning without its location, which names the source directory."""
    return line.split(" WARNING: ", 1)[1]


def card_texts(build: Build) -> list[str]:
    """What each card shows, without its "Source" toggletip."""
    page = build.soup()
    for tip in page.select(".kpi-tip"):
        tip.decompose()
    return [" ".join(card.get_text().split()) for card in page.select(".kpi-card")]


# --- 1. a symlink under data/ that leads out of the source directory ---------

MARKER = "SECRET-MARKER-4af1c0"
LINKED_PAGE = """\
# Page

:::{kpi-card} Secret
:sql: SELECT max(name) FROM secret
:::

The amount is {kpi}`secret_amount`.

:::{kpi-card} Communities
:sql: SELECT count(*) FROM communities
:::

```{kpi-sources}
```
"""
SECRET_METRIC = {"secret_amount": {"sql": "SELECT max(amount) FROM secret"}}


def _outside_report(tmp: Path, *, declared: bool) -> Path:
    outside = tmp / "outside" / "secret.csv"
    outside.parent.mkdir()
    outside.write_text(f"name,amount\n{MARKER},42\n", encoding="utf-8")
    srcdir = copy_root(tmp / "report")
    (srcdir / "data" / "secret.csv").symlink_to(outside)
    (srcdir / "index.md").write_text(LINKED_PAGE, encoding="utf-8")
    if declared:
        (srcdir / "grantreport.toml").write_text(
            '[tables]\nsecret = "../outside/secret.csv"\n', encoding="utf-8"
        )
    return srcdir


@pytest.fixture(scope="module")
def linked(tmp_path_factory) -> dict[str, Build]:
    """The same report with a link out of it, built as html, text and kpis."""
    srcdir = _outside_report(tmp_path_factory.mktemp("linked"), declared=False)
    conf = {"grantreport_metrics": SECRET_METRIC}
    return {
        name: sphinx(srcdir, name, confoverrides=conf)
        for name in ("html", "text", "kpis")
    }


@pytest.fixture(scope="module")
def declared(tmp_path_factory) -> tuple[Path, dict[str, Build]]:
    """The same outside file, named in [tables] of grantreport.toml."""
    tmp = tmp_path_factory.mktemp("declared")
    srcdir = _outside_report(tmp, declared=True)
    conf = {"grantreport_metrics": SECRET_METRIC}
    builds = {
        name: sphinx(srcdir, name, confoverrides=conf)
        for name in ("html", "text", "kpis")
    }
    return tmp, builds


def test_a_link_out_of_the_source_dir_is_a_located_sandbox_warning(linked):
    build = linked["html"]
    lines = build.lines()
    assert len(lines) == 2, build.warnings
    for line, number in zip(lines, (3, 7), strict=True):
        assert f"index.md:{number}: WARNING: " in line
        assert "data/secret.csv links to a file outside the source directory" in line
        assert line.endswith("[grantreport.sandbox]")
    assert build.html().count(PLACEHOLDER) == 2
    assert card_texts(build) == [f"{PLACEHOLDER} Secret", "4 Communities"]


@pytest.mark.parametrize("builder", ["html", "text", "kpis"])
def test_nothing_of_a_linked_file_reaches_any_output(linked, builder):
    build = linked[builder]
    assert build.files_with(MARKER) == []
    assert MARKER not in build.warnings
    if builder == "kpis":
        entries = json.loads((build.outdir / "kpis.json").read_text("utf-8"))
        secret = [e for e in entries if "secret" in (e["query"] or "")]
        assert len(secret) == 2
        assert all(e["value"] is None and e["sources"] == [] for e in secret)


def test_a_declared_outside_file_is_read(declared):
    _, builds = declared
    build = builds["html"]
    assert build.lines() == [], build.warnings
    assert card_texts(build) == [f"{MARKER} Secret", "4 Communities"]
    assert "The amount is 42." in build.soup().get_text()


def test_a_declared_outside_file_shows_as_a_relative_path_in_the_hover(declared):
    tmp, builds = declared
    page = builds["html"].soup()
    titles = [
        page.find(id=value["aria-describedby"]).get_text()
        for value in page.select(".kpi-value")
        if "secret" in value.get("data-kpi-query", "")
        or value.get("data-kpi-metric") == "secret_amount"
    ]
    assert len(titles) == 2
    for title in titles:
        assert "computed from ../outside/secret.csv (1 row, sha256 " in title
        assert str(tmp) not in title
    assert str(tmp) not in builds["html"].html()


def test_a_declared_outside_file_shows_as_a_relative_path_in_kpis_json(declared):
    tmp, builds = declared
    outdir = builds["kpis"].outdir
    text = (outdir / "kpis.json").read_text(encoding="utf-8")
    assert str(tmp) not in text
    assert str(tmp) not in (outdir / "kpis.csv").read_text(encoding="utf-8")
    files = {
        source["file"]
        for entry in json.loads(text)
        for source in entry["sources"]
        if source.get("table") == "secret"
    }
    assert files == {"../outside/secret.csv"}


def test_a_declared_outside_file_shows_as_a_relative_path_in_the_appendix(declared):
    tmp, builds = declared
    rows = {
        cells[0]: cells[1:3]
        for row in builds["html"].soup().select("table.kpi-sources tbody tr")
        if (cells := [cell.get_text(strip=True) for cell in row.select("td")])
    }
    assert rows["secret"] == ["../outside/secret.csv", "1"]
    text = (builds["text"].outdir / "index.txt").read_text(encoding="utf-8")
    assert "../outside/secret.csv" in text
    assert str(tmp) not in text


# --- 2. files by path, the source tree and DuckDB's settings -----------------

GIT_TOKEN = "GIT-TOKEN-9d1e77"
ENV_TOKEN = "ENV-TOKEN-51c0aa"

BY_PATH = {
    "read_text .git/config": (
        "SELECT content FROM read_text('.git/config')",
        "read_text() reads a file by path, which a page may not: read the "
        "file's table by its name",
    ),
    "read_text .env": (
        "SELECT content FROM read_text('.env')",
        "read_text() reads a file by path, which a page may not: read the "
        "file's table by its name",
    ),
    "read_csv of a data file": (
        "SELECT count(*) FROM read_csv('data/communities.csv')",
        "read_csv() reads a file by path, which a page may not: read the "
        "file's table by its name",
    ),
    "FROM a quoted path": (
        "SELECT count(*) FROM 'data/communities.csv'",
        "FROM 'data/communities.csv' reads a file by path, which a page may "
        "not: read the file's table by its name",
    ),
    "glob": (
        "SELECT string_agg(file, ' ') FROM glob('*')",
        "glob() reads a file by path",
    ),
    "current_setting": (
        "SELECT current_setting('temp_directory')",
        "current_setting() tells about DuckDB's settings",
    ),
    "duckdb_settings": (
        "SELECT string_agg(value, ' ') FROM duckdb_settings() "
        "WHERE name IN ('temp_directory', 'allowed_paths', 'home_directory')",
        "duckdb_settings() tells about DuckDB's settings",
    ),
}
#: the line of each case's card on the page
BY_PATH_LINES = {case: 3 + 4 * index for index, case in enumerate(BY_PATH)}


@pytest.fixture(scope="module")
def by_path(tmp_path_factory) -> tuple[Path, dict[str, Build]]:
    tmp = tmp_path_factory.mktemp("bypath")
    srcdir = copy_root(tmp / "report")
    (srcdir / ".git").mkdir()
    (srcdir / ".git" / "config").write_text(
        f"[core]\n\ttoken = {GIT_TOKEN}\n", encoding="utf-8"
    )
    (srcdir / ".env").write_text(f"API_KEY={ENV_TOKEN}\n", encoding="utf-8")
    page = "# Page\n\n" + "".join(
        f":::{{kpi-card}} Case {index}\n:sql: {sql}\n:::\n\n"
        for index, (sql, _) in enumerate(BY_PATH.values())
    )
    (srcdir / "index.md").write_text(page, encoding="utf-8")
    builds = {name: sphinx(srcdir, name) for name in ("html", "text", "kpis")}
    return tmp_path_factory.getbasetemp(), builds


@pytest.mark.parametrize("case", BY_PATH, ids=list(BY_PATH))
def test_a_query_by_path_or_of_settings_is_a_located_sandbox_warning(by_path, case):
    _, builds = by_path
    lines = [
        line
        for line in builds["html"].lines()
        if f"index.md:{BY_PATH_LINES[case]}: WARNING: " in line
    ]
    assert len(lines) == 1, builds["html"].warnings
    assert BY_PATH[case][1] in lines[0]
    assert lines[0].endswith("[grantreport.sandbox]")


def test_every_query_by_path_shows_a_placeholder(by_path):
    _, builds = by_path
    assert len(builds["html"].lines()) == len(BY_PATH), builds["html"].warnings
    assert card_texts(builds["html"]) == [
        f"{PLACEHOLDER} Case {index}" for index in range(len(BY_PATH))
    ]


@pytest.mark.parametrize("builder", ["html", "text", "kpis"])
def test_no_token_nor_machine_path_reaches_any_output_or_warning(by_path, builder):
    basetemp, builds = by_path
    build = builds[builder]
    for secret in (GIT_TOKEN, ENV_TOKEN, str(basetemp)):
        assert build.files_with(secret, (".html", ".txt", ".json", ".csv")) == []
        assert not any(secret in message(line) for line in build.lines())
    for token in (GIT_TOKEN, ENV_TOKEN):  # not even in the doctrees
        assert build.files_with(token) == []


# --- 3. a data file whose name is not UTF-8 ----------------------------------

MISNAMED_PAGE = """\
# Page

:::{kpi-card} Communities
:sql: SELECT count(*) FROM communities
:::

:::{kpi-card} One
:sql: SELECT count(*) FROM one
:::

```{kpi-sources}
```
"""


@pytest.fixture(scope="module")
def misnamed(tmp_path_factory) -> Build:
    srcdir = copy_root(tmp_path_factory.mktemp("misnamed") / "report")
    with open(os.fsencode(srcdir / "data") + b"/caf\xe9.csv", "wb") as stream:
        stream.write(b"a\n1\n")
    (srcdir / "index.md").write_text(MISNAMED_PAGE, encoding="utf-8")
    return sphinx(srcdir)


def test_a_data_file_name_not_utf8_is_a_located_data_warning(misnamed):
    lines = misnamed.lines()
    assert len(lines) == 1, misnamed.warnings
    assert lines[0].startswith(f"{misnamed.srcdir / 'data'}:")
    assert "the name of data file 'data/caf" in lines[0]
    assert "is not valid UTF-8" in lines[0]
    assert lines[0].endswith("[grantreport.data]")


def test_a_data_file_name_not_utf8_does_not_stop_the_build(misnamed):
    assert misnamed.statuscode == 0
    assert "Traceback" not in misnamed.warnings + misnamed.status
    assert "build succeeded" in misnamed.status
    assert card_texts(misnamed) == ["4 Communities", "1 One"]
    tables = [
        row.select_one("td").get_text(strip=True)
        for row in misnamed.soup().select("table.kpi-sources tbody tr")
    ]
    assert tables == ["communities", "edges", "one", "updates"]


# --- 7. rebuilds: a table that appears, as-of data that changes --------------


def touch_later(path: Path) -> None:
    """Make a file newer than the last build, whatever the clock resolution."""
    later = time.time() + 5
    os.utime(path, (later, later))


LATER_PAGE = "# Later\n\n:::{kpi-card} New\n:sql: SELECT sum(n) FROM newtable\n:::\n"
INDEX_WITH = "# Index\n\n```{{toctree}}\n{pages}\n```\n"


def test_a_page_of_a_missing_table_warns_at_every_build_until_it_appears(project):
    report = project("hardening")
    report.write("index.md", INDEX_WITH.format(pages="later"))
    report.write("later.md", LATER_PAGE)
    expected = "later.md:3: WARNING: unknown table newtable"
    for _ in range(2):  # the second build has nothing changed
        report.build()
        assert "later" in report.read_docs
        lines = [line for line in report.warnings.splitlines() if "WARNING" in line]
        assert len(lines) == 1, report.warnings
        assert expected in lines[0]
        assert lines[0].endswith("[grantreport.table]")
        assert PLACEHOLDER in report.html("later")
    touch_later(report.write("data/newtable.csv", "n\n5\n6\n"))
    report.build()
    assert "later" in report.read_docs
    assert "WARNING" not in report.warnings
    value = BeautifulSoup(report.html("later"), "html.parser").select_one(".kpi-value")
    assert value.get_text() == "11"


def test_W_keeps_failing_while_the_table_is_missing(project, tmp_path):
    report = project("hardening")
    report.write("index.md", INDEX_WITH.format(pages="later"))
    report.write("later.md", LATER_PAGE)
    command = [sys.executable, "-m", "sphinx", "-W", "-b", "html"]
    command += [str(report.srcdir), str(tmp_path / "out")]
    for _ in range(2):
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=120, cwd=tmp_path
        )
        assert result.returncode != 0, result.stdout + result.stderr
        assert "later.md:3: WARNING: unknown table newtable" in result.stderr
        assert "Traceback" not in result.stderr


def test_a_change_to_the_table_of_as_of_rereads_the_page(project):
    report = project("hardening")
    report.write("index.md", INDEX_WITH.format(pages="dated\nplain"))
    report.write("dated.md", "# Dated\n\n:::{kpi-card}\n:metric: active\n:::\n")
    report.write("plain.md", "# Plain\n\nNo numbers.\n")
    conf = {
        "grantreport_metrics": {
            "active": {
                "sql": "SELECT count(*) FROM communities WHERE status = 'active'",
                "as_of": "SELECT max(day) FROM updates",
            }
        }
    }

    def as_of() -> str:
        soup = BeautifulSoup(report.html("dated"), "html.parser")
        return soup.select_one(".kpi-card-as-of").get_text(strip=True)

    report.build(confoverrides=conf)
    assert "WARNING" not in report.warnings, report.warnings
    assert as_of() == "As of Jun 30, 2023"
    touch_later(report.write("data/updates.csv", "day\n2023-05-01\n2024-02-29\n"))
    report.build(confoverrides=conf)
    assert "dated" in report.read_docs
    assert as_of() == "As of Feb 29, 2024"


# --- 8. messages: an unsniffable CSV, one row, a PIVOT -----------------------

MESSAGES_PAGE = """\
# Page

:::{kpi-card} A
:sql: SELECT count(*) FROM mixed
:::

:::{kpi-card} B
:sql: SELECT sum(a) FROM mixed
:::

:::{kpi-card} C
:sql: SELECT max(b) FROM mixed
:::

:::{kpi-card} One
:sql: SELECT count(*) FROM one
:::

:::{kpi-card} Pivot
:sql: PIVOT communities ON status
:::
"""


@pytest.fixture(scope="module")
def messages(tmp_path_factory) -> Build:
    srcdir = copy_root(tmp_path_factory.mktemp("messages") / "report")
    (srcdir / "data" / "mixed.csv").write_bytes(b'a,b\r\n1,2\n3,4\r\n5,"x\n')
    (srcdir / "index.md").write_text(MESSAGES_PAGE, encoding="utf-8")
    return sphinx(srcdir)


def _about(build: Build, test: Callable[[str], bool]) -> list[str]:
    return [line for line in build.lines() if test(line)]


def test_an_unsniffable_csv_is_one_short_data_warning(messages):
    lines = _about(messages, lambda line: "mixed.csv" in line)
    assert len(lines) == 1, messages.warnings
    assert "index.md:3: WARNING: cannot read data/mixed.csv" in lines[0]
    assert "CSV dialect" in lines[0]
    assert lines[0].endswith("[grantreport.data]")
    assert len(message(lines[0])) < 400
    assert card_texts(messages)[:3] == [f"{PLACEHOLDER} {name}" for name in "ABC"]


def test_a_value_of_a_one_row_table_says_1_row_in_its_hover(messages):
    values = messages.soup().select('.kpi-value[data-kpi-query*="FROM one"]')
    assert len(values) == 1
    assert values[0].get_text() == "1"
    panel = messages.soup().find(id=values[0]["aria-describedby"])
    assert "data/one.csv (1 row, sha256 " in panel.get_text()
    assert "1 rows" not in panel.get_text()
    assert "1 rows" not in values[0]["data-kpi-sources"]


def test_a_pivot_without_in_list_is_a_sandbox_warning_saying_why(messages):
    lines = _about(messages, lambda line: "index.md:19: WARNING: " in line)
    assert len(lines) == 1, messages.warnings
    assert "several statements" in lines[0]
    assert lines[0].endswith("[grantreport.sandbox]")
    assert card_texts(messages)[4] == f"{PLACEHOLDER} Pivot"
