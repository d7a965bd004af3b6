"""Incremental rebuilds that must not show stale output: the data appendix
after its data changed, and a chart after the language changed."""

from __future__ import annotations

import hashlib
import os
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from bs4 import BeautifulSoup

SVG = "{http://www.w3.org/2000/svg}"

APPENDIX = """# Data appendix

```{kpi-sources}
:tables: communities
```

```{toctree}
rst_page
```
"""


def touch_later(path: Path) -> None:
    """Make a file newer than the last build, whatever the clock resolution."""
    later = time.time() + 5
    os.utime(path, (later, later))


def appendix_rows(html: str) -> dict[str, list[str]]:
    """The kpi-sources table: table name -> its cells."""
    table = BeautifulSoup(html, "html.parser").find("table", class_="kpi-sources")
    assert table is not None
    header = [cell.get_text(strip=True) for cell in table.thead.find_all("th")]
    assert header == ["Table", "File", "Rows", "Columns", "Dates", "SHA-256"]
    rows = [
        [cell.get_text(strip=True) for cell in row.find_all("td")]
        for row in table.tbody.find_all("tr")
    ]
    return {row[0]: row for row in rows}


def short_sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def test_sources_appendix_is_rebuilt_when_its_data_file_changes(project):
    built = project("basic")
    built.write("index.md", APPENDIX)
    communities = built.srcdir / "data" / "communities.csv"
    built.build()
    assert built.warnings == ""
    row = appendix_rows(built.html())["communities"]
    assert row[1:3] == ["data/communities.csv", "83"]
    assert row[5] == short_sha(communities)
    old_sha = row[5]

    extra = "".join(f"new-{n},active,2024-01-01,false\n" for n in range(10))
    communities.write_text(communities.read_text(encoding="utf-8") + extra)
    touch_later(communities)
    built.build()  # incremental, not fresh
    assert "index" in built.read_docs  # the appendix page depends on its data
    row = appendix_rows(built.html())["communities"]
    assert row[2] == "93"
    assert row[5] == short_sha(communities) != old_sha


def svg_texts(built, figure_id: str) -> list[str]:
    page = BeautifulSoup(built.html(), "html.parser")
    src = page.find(id=figure_id).find("img")["src"]
    svg = ET.parse(built.outdir / src).getroot()
    return ["".join(node.itertext()).strip() for node in svg.iter(f"{SVG}text")]


def test_a_chart_is_redrawn_when_the_language_changes(project):
    """Same sources, outdir and doctree dir (so the same chart cache), only
    Sphinx's language changes: the chart must show the new locale's numbers."""
    built = project("catch-charts")
    built.build()
    assert built.warnings == ""
    english = svg_texts(built, "budget")
    assert "1,234,567.50" in english  # the bar's label, in the chart's one precision
    assert "345,678.25" in english
    assert any(text.endswith(",000") for text in english)  # a y tick: 200,000

    built.build(confoverrides={"language": "de"})
    assert built.warnings == ""
    german = svg_texts(built, "budget")
    assert "1.234.567,50" in german
    assert "345.678,25" in german
    assert any(text.endswith(".000") for text in german)  # 200.000
    assert "1,234,567.50" not in german
    assert not any(text.endswith(",000") for text in german)
