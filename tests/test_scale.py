"""Incremental builds at scale: 100 pages over 10 tables. Touching one table
re-reads exactly the pages that use it and redraws exactly its charts."""

from __future__ import annotations

import os
import time

from bs4 import BeautifulSoup

from sphinx_grantreport import chart_files

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
    render = chart_files.render
    monkeypatch.setattr(
        chart_files,
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


def test_a_table_is_read_once_and_a_query_run_once_however_many_use_them(
    project, monkeypatch
):
    """Twenty pages of cards and sentences over one table: the file is read
    once per build, and a query shown on every page runs once."""
    from sphinx_grantreport.engine import QueryEngine

    loads: list[str] = []
    runs: list[str] = []
    load, execute = QueryEngine._load, QueryEngine._execute
    monkeypatch.setattr(
        QueryEngine, "_load", lambda self, name: loads.append(name) or load(self, name)
    )
    monkeypatch.setattr(
        QueryEngine,
        "_execute",
        lambda self, sql, *args: runs.append(sql) or execute(self, sql, *args),
    )
    built = project("every-node", "once")
    (built.srcdir / "charts.md").unlink()
    built.write(
        "data/usage.csv", "k,v\n" + "".join(f"{k},{k % 7}\n" for k in range(50))
    )
    for n in range(20):
        cards = "".join(
            f":::{{kpi-card}} Card {c}\n:sql: SELECT sum(v) + {c} FROM usage "
            f"WHERE k > {n}\n:::\n\n"
            for c in range(5)
        )
        built.write(f"page{n}.md", f"# Page {n}\n\n{cards}All: {{kpi}}`total`.\n")
    toctree = "\n".join(f"page{n}" for n in range(20))
    built.write("index.md", f"# Once\n\n```{{toctree}}\n{toctree}\n```\n")
    metrics = {"total": {"sql": "SELECT count(*) FROM usage"}}
    built.build(confoverrides={"grantreport_metrics": metrics})
    assert "[grantreport" not in built.warnings
    assert loads == ["usage"]
    assert len(runs) == 20 * 5 + 1  # each different query once, "total" once
    assert len(set(runs)) == len(runs)
