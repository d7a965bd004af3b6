"""Incremental builds at scale: 100 pages over 10 tables. Touching one table
re-reads exactly the pages that use it and redraws exactly its charts."""

from __future__ import annotations

import os
import time

from bs4 import BeautifulSoup

from sphinx_grantreport import figures

TABLES = 10
PAGES = 100


def page(n: int) -> str:
    table = f"table{n % TABLES}"
    text = f"# Page {n}\n\nRows: {{kpi}}`rows_{table}`.\n\n"
    if n < TABLES:  # one chart per table
        text += (
            f":::{{kpi-figure}}\n:sql: SELECT k, v FROM {table} ORDER BY k\n"
            f":x: k\n:y: v\n\nValues of {table}.\n:::\n"
        )
    return text


def test_touching_one_table_rebuilds_exactly_its_pages_and_charts(project, monkeypatch):
    built = project("every-node", "scale")
    (built.srcdir / "charts.md").unlink()
    metrics = {
        f"rows_table{t}": {"sql": f"SELECT count(*) FROM table{t}"}
        for t in range(TABLES)
    }
    for t in range(TABLES):
        rows = "".join(f"{k},{k * (t + 1)}\n" for k in range(5))
        built.write(f"data/table{t}.csv", "k,v\n" + rows)
    for n in range(PAGES):
        built.write(f"page{n}.md", page(n))
    toctree = "\n".join(f"page{n}" for n in range(PAGES))
    built.write("index.md", f"# Scale\n\n```{{toctree}}\n{toctree}\n```\n")
    conf = {"grantreport_metrics": metrics}
    built.build(confoverrides=conf)
    assert "[grantreport" not in built.warnings
    assert len(built.read_docs) == PAGES + 1

    drawn = []
    render = figures.render
    monkeypatch.setattr(
        figures,
        "render",
        lambda builder, node, fmt, dark=False: (
            drawn.append(node["digest"]) or render(builder, node, fmt, dark)
        ),
    )
    built.build(confoverrides=conf)
    assert built.read_docs == [] and drawn == []  # nothing changed, nothing done

    table = built.srcdir / "data" / "table3.csv"
    table.write_text(table.read_text() + "5,99\n")
    later = time.time() + 5
    os.utime(table, (later, later))
    built.build(confoverrides=conf)
    assert sorted(built.read_docs) == sorted(
        f"page{n}" for n in range(3, PAGES, TABLES)
    )
    assert len(drawn) == 1  # the one chart of table3
    page13 = BeautifulSoup((built.outdir / "page13.html").read_text(), "html.parser")
    assert "Rows: 6." in page13.get_text()
    page14 = BeautifulSoup((built.outdir / "page14.html").read_text(), "html.parser")
    assert "Rows: 5." in page14.get_text()
