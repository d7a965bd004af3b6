"""The traps the example report steps around: counting years with
``date_diff`` and a CSV file with two kinds of line ending."""

from __future__ import annotations

import csv
import tomllib
from pathlib import Path

EXAMPLE = Path(__file__).parent.parent / "docs" / "example"


def _grant_years_metric() -> dict[str, str]:
    with (EXAMPLE / "grantreport.toml").open("rb") as file:
        return tomllib.load(file)["metrics"]["grant_years"]


def _report(project, toml: str, page: str):
    report = project("traps")
    report.write("grantreport.toml", toml)
    report.write("index.md", page)
    return report


def test_the_example_counts_whole_years_of_a_december_start(project):
    """A grant from 1 December 2020 to 31 December 2023 is three years old,
    not four: date_diff('year', ...) would count four New Years."""
    metric = _grant_years_metric()
    assert "date_diff" not in metric["sql"] and "datediff" not in metric["sql"]
    toml = (
        "[params]\ngrant_start = 2020-12-01\nreport_date = 2023-12-31\n\n"
        "[metrics.grant_years]\n"
        f"sql = {metric['sql']!r}\nformat = {metric['format']!r}\n\n"
        "[metrics.boundaries]\n"
        "sql = \"SELECT date_diff('year', $grant_start, $report_date + 1)\"\n"
    )
    page = (
        "# Years\n\nA {kpi}`grant_years`-year grant, not {kpi}`boundaries` New Years.\n"
    )
    report = _report(project, toml, page)
    report.build()
    assert "WARNING" not in report.warnings, report.warnings
    html = report.html()
    assert ">three</span>-year grant" in html
    assert ">4</span> New Years" in html


def test_a_csv_with_two_kinds_of_line_ending_is_one_clear_warning(project):
    """Written by Python's csv module (CRLF), then appended to with echo
    (LF): DuckDB cannot sniff it, and the build says so in one line that
    names the file and the likely cause."""
    report = _report(
        project,
        '[metrics.users]\nsql = "SELECT sum(users) FROM users"\n',
        "# Users\n\nWe had {kpi}`users` users.\n",
    )
    path = report.srcdir / "data" / "users.csv"
    with path.open("w", newline="") as file:
        writer = csv.writer(file)  # lines end with \r\n
        writer.writerow(["month", "users"])
        writer.writerow(["2023-01-01", 100])
        writer.writerow(["2023-02-01", 200])
    with path.open("a", newline="") as file:
        file.write("2023-03-01,300\n")  # what `echo ... >> users.csv` adds
    assert b"\r\n" in path.read_bytes() and path.read_bytes().endswith(b"0\n")
    report.build()
    warnings = [line for line in report.warnings.splitlines() if "WARNING" in line]
    assert len(warnings) == 1, report.warnings
    (warning,) = warnings
    assert "index.md:3: WARNING:" in warning
    assert "cannot read data/users.csv as table 'users'" in warning
    assert "one kind of line ending" in warning
    assert warning.endswith("[grantreport.data]")
    assert "Possible fixes" not in report.warnings  # not DuckDB's full text
    assert "kpi-unavailable" in report.html()

    # The same rows with one kind of line ending read as they should.
    path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n"))
    report.build()
    assert "WARNING" not in report.warnings, report.warnings
    assert ">600</span> users" in report.html()
