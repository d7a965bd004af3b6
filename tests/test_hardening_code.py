"""The report's own code (metric and :plot: functions) cannot end, hang or
kill the build, nor reach code outside the source directory; values and
formats cannot exhaust the build's time or memory."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

PLACEHOLDER = "⚠ metric unavailable"
FIGURE_PLACEHOLDER = "⚠ figure unavailable"


def warning_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if "WARNING" in line]


def add_to_conf(srcdir: Path, text: str) -> None:
    """Settings for a build in another process, which takes no confoverrides."""
    conf = srcdir / "conf.py"
    conf.write_text(conf.read_text(encoding="utf-8") + text, encoding="utf-8")


def sphinx_build(
    srcdir: Path, outdir: Path, *options: str, timeout: float = 60
) -> tuple[subprocess.CompletedProcess[str], float]:
    """``python -m sphinx`` in a process of its own, so that a build that
    hangs or kills its process cannot take pytest with it; and its time."""
    command = [sys.executable, "-m", "sphinx", *options, "-b", "html"]
    start = time.monotonic()
    try:
        result = subprocess.run(
            [*command, str(srcdir), str(outdir)],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=srcdir.parent,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"the build did not finish in {timeout} s")
    return result, time.monotonic() - start


# --- 4. metric and plot functions that raise SystemExit ----------------------

METRICS = {"leave": "helpers:leave", "seven": "helpers:seven"}
OTHER_PAGE = "# Other\n\nSeven: {kpi}`seven`.\n"
EXITING = {
    "metric": (
        "# Page\n\nLeaving: {kpi}`leave`.\n\n```{toctree}\nother\n```\n",
        "helpers:leave raised SystemExit: metric function left [grantreport.function]",
        PLACEHOLDER,
    ),
    "plot": (
        "# Page\n\n:::{kpi-figure}\n:plot: helpers:leave_plot\n\nA caption.\n:::\n\n"
        "```{toctree}\nother\n```\n",
        "plot function raised SystemExit: plot function left [grantreport.plot]",
        FIGURE_PLACEHOLDER,
    ),
}
EXITING_CASES = [
    pytest.param("metric"),
    "plot",
]


@pytest.mark.parametrize("case", EXITING_CASES)
def test_systemexit_in_user_code_is_a_located_warning_and_pages_are_written(
    project, case
):
    page, expected, placeholder = EXITING[case]
    report = project("hardening")
    report.write("index.md", page)
    report.write("other.md", OTHER_PAGE)
    report.build(confoverrides={"grantreport_metrics": METRICS})
    lines = warning_lines(report.warnings)
    assert len(lines) == 1, report.warnings
    assert f"index.md:3: WARNING: {expected}" in lines[0]
    assert "Traceback" not in report.warnings
    assert report.app.statuscode == 0
    assert placeholder in report.html()
    assert "Seven: 7." in BeautifulSoup(report.html("other"), "html.parser").get_text()


@pytest.mark.parametrize("case", EXITING_CASES)
def test_systemexit_in_user_code_fails_a_W_build_with_its_warning(
    project, tmp_path, case
):
    page, expected, _ = EXITING[case]
    report = project("hardening")
    report.write("index.md", page)
    report.write("other.md", OTHER_PAGE)
    add_to_conf(report.srcdir, f"grantreport_metrics = {METRICS!r}\n")
    result, _ = sphinx_build(report.srcdir, tmp_path / "out", "-W")
    assert result.returncode != 0
    assert f"index.md:3: WARNING: {expected}" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert (tmp_path / "out" / "other.html").is_file()


REFUSED = {
    "signal:pause": "signal",
    "os:abort": "os",
    "conf:anything": "conf",
    "json:dumps": "json",
}


@pytest.mark.parametrize("reference", REFUSED)
def test_a_metric_function_outside_the_report_modules_is_refused(
    project, tmp_path, reference
):
    """Run in a process of its own: called, signal:pause would hang the
    build and os:abort would kill it."""
    report = project("hardening")
    report.write("index.md", "# Page\n\nValue: {kpi}`outside`, then {kpi}`seven`.\n")
    metrics = {"outside": reference, "seven": "helpers:seven"}
    add_to_conf(
        report.srcdir,
        f"grantreport_metrics = {metrics!r}\n\n\ndef anything():\n    return 3\n",
    )
    result, _ = sphinx_build(report.srcdir, tmp_path / "out", timeout=30)
    assert result.returncode == 0, result.stderr
    lines = warning_lines(result.stderr)
    assert len(lines) == 1, result.stderr
    module = REFUSED[reference]
    assert (
        f"index.md:3: WARNING: cannot import {module!r} for {reference}: it is not "
        "a module of the report's source directory"
    ) in lines[0]
    assert lines[0].endswith("[grantreport.function]")
    html = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    text = BeautifulSoup(html, "html.parser").get_text()
    assert f"Value: {PLACEHOLDER}, then 7." in text


def test_a_metric_function_that_loops_forever_is_stopped_after_the_timeout(
    project, tmp_path
):
    report = project("hardening")
    report.write("index.md", "# Page\n\nLoop: {kpi}`loop`, then {kpi}`seven`.\n")
    metrics = {"loop": "helpers:spin", "seven": "helpers:seven"}
    add_to_conf(
        report.srcdir,
        f"grantreport_metrics = {metrics!r}\ngrantreport_query_timeout = 1\n",
    )
    result, seconds = sphinx_build(report.srcdir, tmp_path / "out", timeout=30)
    assert result.returncode == 0, result.stderr
    lines = warning_lines(result.stderr)
    assert len(lines) == 1, result.stderr
    assert (
        "index.md:3: WARNING: helpers:spin ran longer than 1 s "
        "(grantreport_query_timeout) [grantreport.function]"
    ) in lines[0]
    assert seconds < 10
    html = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    text = BeautifulSoup(html, "html.parser").get_text()
    assert f"Loop: {PLACEHOLDER}, then 7." in text


def test_calling_report_code_keeps_the_alarm_of_the_process(tmp_path):
    """The core's time limit (report_code.ReportCode.call) borrows the
    process's one real-time interval timer; the timer that was running before
    (pytest-timeout's, or the host application's) must still run after."""
    from sphinx_grantreport.report_code import ReportCode

    (tmp_path / "quick.py").write_text("def seven():\n    return 7\n")
    code = ReportCode(tmp_path, timeout=10)
    function, _ = code.load("quick:seven")
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: None)
    saved = signal.setitimer(signal.ITIMER_REAL, 100)
    try:
        assert code.call(function, (), "quick:seven") == 7
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
    finally:
        signal.setitimer(signal.ITIMER_REAL, *saved)
        signal.signal(signal.SIGALRM, previous)
    assert 90 < remaining <= 100


# --- 5. values, formats and settings that would exhaust the build ------------

RESOURCE_METRICS = {
    "big": {"sql": "SELECT repeat('x', 20000000)"},
    "total": {"sql": "SELECT count(*) FROM communities"},
}


def build_page(project, page: str, **conf: object):
    """Build one page with the metrics above; the report, its text and the
    seconds the build took."""
    report = project("hardening")
    report.write("index.md", page)
    start = time.monotonic()
    report.build(confoverrides={"grantreport_metrics": RESOURCE_METRICS, **conf})
    seconds = time.monotonic() - start
    return report, BeautifulSoup(report.html(), "html.parser").get_text(), seconds


def test_a_huge_text_value_is_a_result_warning_soon(project):
    page = "# Page\n\nBig: {kpi}`big`.\n\nTotal: {kpi}`total`.\n"
    report, text, seconds = build_page(project, page)
    lines = warning_lines(report.warnings)
    assert len(lines) == 1, report.warnings
    expected = "index.md:3: WARNING: query returned a text of 20,000,000 characters"
    assert expected in lines[0]
    assert lines[0].endswith("[grantreport.result]")
    assert seconds < 10
    assert len(report.html()) < 100_000
    assert f"Big: {PLACEHOLDER}." in text
    assert "Total: 4." in text


def test_a_format_of_huge_width_is_a_format_warning(project):
    page = "# Page\n\nWide: {kpi}`total:9999999999999`.\n\nTotal: {kpi}`total`.\n"
    report, text, _ = build_page(project, page)
    lines = warning_lines(report.warnings)
    assert len(lines) == 1, report.warnings
    assert (
        "index.md:3: WARNING: format '9999999999999' asks for a width or "
        "precision over 100"
    ) in lines[0]
    assert lines[0].endswith("[grantreport.format]")
    assert "MemoryError" not in report.warnings
    assert f"Wide: {PLACEHOLDER}." in text
    assert "Total: 4." in text


def test_a_bogus_memory_limit_is_a_located_config_warning(project):
    """DuckDB cannot take the limit, so no query runs: each value shown is a
    placeholder with a config warning at its line, and the build finishes."""
    report, text, _ = build_page(
        project, "# Page\n\nTotal: {kpi}`total`.\n", grantreport_memory_limit="bogus"
    )
    lines = warning_lines(report.warnings)
    assert len(lines) == 1, report.warnings
    assert "index.md:3: WARNING: bad DuckDB memory_limit 'bogus'" in lines[0]
    assert lines[0].endswith("[grantreport.config]")
    assert "Traceback" not in report.warnings
    assert report.app.statuscode == 0
    assert f"Total: {PLACEHOLDER}." in text


def test_a_bogus_memory_limit_leaves_no_spill_folder(project):
    page = "# Page\n\n{kpi}`total`, {kpi}`total:integer` and {kpi}`total:compact`.\n"
    report, _, _ = build_page(project, page, grantreport_memory_limit="bogus")
    assert "bad DuckDB memory_limit 'bogus'" in report.warnings
    spill = Path(report.app.doctreedir) / "grantreport-spill"
    assert sorted(path.name for path in spill.glob("spill-*")) == []
