"""``python -m sphinx_grantreport new DIR`` writes a report that builds at once."""

from __future__ import annotations

import ast
import datetime
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

FILES = {
    "conf.py",
    "index.md",
    "grantreport.toml",
    "data/members.csv",
    "README.md",
    "requirements.txt",
    ".readthedocs.yaml",
    ".gitignore",
}


def new(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sphinx_grantreport", "new", *args],
        capture_output=True,
        text=True,
    )


def build(srcdir: Path, *options: str, outdir: Path | None = None) -> BeautifulSoup:
    """Build ``srcdir`` with -W, as a user would, and parse its index.html."""
    outdir = outdir or srcdir / "_build" / "html"
    command = [sys.executable, "-m", "sphinx", "-W", "-b", "html", *options]
    result = subprocess.run(
        [*command, str(srcdir), str(outdir)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr
    return BeautifulSoup((outdir / "index.html").read_text(), "html.parser")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    target = tmp_path_factory.mktemp("quickstart") / "my-report"
    result = new(str(target))
    assert result.returncode == 0, result.stderr
    return target, result.stdout


def test_new_writes_the_skeleton(report):
    target, stdout = report
    written = {
        p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()
    }
    assert written == FILES
    for name in FILES:
        assert name in stdout
    assert "sphinx-build -W -b html . _build/html" in stdout
    for path in target.rglob("*"):
        if path.is_file():
            assert "@@" not in path.read_text(), path
    assert (target / "requirements.txt").read_text().split() == [
        "sphinx-grantreport==0.1.*"
    ]
    assert "_build/" in (target / ".gitignore").read_text().splitlines()
    rows = (target / "data" / "members.csv").read_text().splitlines()
    assert 10 <= len(rows) - 1 <= 30


def test_the_definitions_are_in_grantreport_toml_and_conf_py_has_none(report):
    target, stdout = report
    assert "grantreport.toml" in stdout.split("Then edit")[1]
    assert "kpis.toml" not in stdout
    project = tomllib.loads((target / "grantreport.toml").read_text())
    assert set(project) == {"params", "settings", "metrics"}
    # a TOML date is a real date
    assert project["params"] == {"report_date": datetime.date(2024, 12, 31)}
    assert project["settings"] == {"currency": "USD"}
    assert set(project["metrics"]) == {"members", "new_members", "university_share"}
    for metric in project["metrics"].values():
        assert "sql" in metric and "label" in metric
    conf = ast.parse((target / "conf.py").read_text())
    assigned = [
        node.id
        for statement in ast.walk(conf)
        if isinstance(statement, ast.Assign)
        for node in statement.targets
        if isinstance(node, ast.Name)
    ]
    assert "extensions" in assigned
    assert not [name for name in assigned if name.startswith("grantreport_")]


def test_skeleton_builds_warning_free_with_real_numbers(report):
    target, _ = report
    page = build(target)
    cards = page.select(".kpi-card")
    assert len(cards) == 2
    for card in cards:
        assert card.select("span.kpi-value")
    paragraph_values = [
        span
        for span in page.select("p span.kpi-value")
        if not span.find_parent(class_="kpi-card")
    ]
    assert len(paragraph_values) == 3
    assert not page.select(".kpi-unavailable")
    # 23 members, floored to 20 under "More than {value}"; 8 joined in 2024
    assert [c.select_one("span.kpi-value").get_text() for c in cards] == ["20", "8"]
    figure = page.find(id="members-by-year")
    image = figure.find("img")
    assert image is not None
    assert (target / "_build" / "html" / image["src"]).is_file()
    assert "Fig. 1" in figure.find("figcaption").get_text()
    links = [
        a.get_text() for a in page.select("p a.reference[href='#members-by-year']")
    ]
    assert links == ["Fig. 1"]  # the {numref} in the paragraph


def test_another_period_on_the_command_line_overrides_the_file(report, tmp_path):
    """The -D line that grantreport.toml suggests: conf.py's value (here from
    -D, a string) wins over the file's date, key by key."""
    target, _ = report
    option = "grantreport_params.report_date=2024-06-30"
    assert f"-D {option} " in (target / "grantreport.toml").read_text()
    page = build(target, "-D", option, outdir=tmp_path / "html")
    cards = page.select(".kpi-card")
    # 19 members by mid-2024, floored to 15; 7 joined in the twelve months before
    assert [c.select_one("span.kpi-value").get_text() for c in cards] == ["15", "7"]


def test_title_and_organisation_reach_the_page(tmp_path):
    target = tmp_path / "report"
    title = 'Annual report: "Open Data" {2024}'
    result = new(str(target), "--title", title, "--organisation", "Open Data Network")
    assert result.returncode == 0, result.stderr
    page = build(target)
    assert title in page.title.get_text()
    # the heading has typographic quotes
    assert page.h1.get_text().startswith("Annual report: “Open Data” {2024}")
    assert "Open Data Network" in page.get_text()


def test_refuses_a_non_empty_directory(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    result = new(str(tmp_path))
    assert result.returncode == 1
    assert "not an empty directory" in result.stderr
    assert "--force" in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]

    result = new(str(tmp_path), "--force")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "conf.py").is_file()
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_writes_into_an_empty_directory(tmp_path):
    result = new(str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "index.md").is_file()


def test_help():
    for args in ([], ["new"]):
        result = subprocess.run(
            [sys.executable, "-m", "sphinx_grantreport", *args, "--help"],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr
        assert "sphinx-grantreport" in result.stdout
    assert "--organisation" in result.stdout
