"""``python -m sphinx_grantreport new DIR`` writes a report that builds at once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

FILES = {
    "conf.py",
    "index.md",
    "kpis.toml",
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


def build(srcdir: Path) -> BeautifulSoup:
    """Build ``srcdir`` with -W, as a user would, and parse its index.html."""
    outdir = srcdir / "_build" / "html"
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-b", "html", str(srcdir), str(outdir)],
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
        assert "python -m sphinx_grantreport" in result.stdout
    assert "--organisation" in result.stdout
