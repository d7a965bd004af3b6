"""[views.NAME] in grantreport.toml: named queries used like tables by
metrics, figures and other views; and what kpis.json lists for charts."""

from __future__ import annotations

import json
import textwrap

from bs4 import BeautifulSoup

VIEWS = """
[views.active]
sql = "SELECT * FROM communities WHERE status = 'active'"

[views.active_recent]
sql = "SELECT * FROM active WHERE joined >= $start"

[metrics.active_count]
sql = "SELECT count(*) FROM active"

[metrics.recent_count]
sql = "SELECT count(*) FROM active_recent"
"""

PAGE = """\
# Views

Active: {kpi}`active_count`. Recent: {kpi}`recent_count`.

:::{kpi-figure}
:name: by-status
:sql: SELECT status, count(*) AS n FROM communities GROUP BY ALL ORDER BY status
Communities by status.
:::

:::{kpi-card} Active, as a view read by a card
:sql: SELECT count(*) FROM active
:::
"""

OTHER = "# Other\n\nStaff: {kpi}`staff`.\n"


def view_project(project):
    built = project("project-file", "views")
    toml = (built.srcdir / "grantreport.toml").read_text()
    built.write("grantreport.toml", toml + VIEWS)
    built.write("index.md", PAGE + "\n```{toctree}\nother\n```\n")
    built.write("other.md", OTHER)
    (built.srcdir / "rst_page.rst").unlink()
    return built


def values(built, page="index"):
    soup = BeautifulSoup(built.html(page), "html.parser")
    return [span.get_text() for span in soup.select(".kpi-value")]


def expected_counts(built):
    import csv

    with (built.srcdir / "data" / "communities.csv").open() as stream:
        rows = list(csv.DictReader(stream))
    active = [row for row in rows if row["status"] == "active"]
    recent = [row for row in active if row["joined"] >= "2021-01-01"]
    return len(active), len(recent)


def test_a_view_is_read_like_a_table_by_metrics_cards_and_other_views(project):
    built = view_project(project)
    built.build()
    assert "WARNING" not in built.warnings, built.warnings
    active, recent = expected_counts(built)
    assert values(built) == [str(active), str(recent), str(active)]


def test_a_change_to_a_views_table_rereads_exactly_the_pages_that_use_it(project):
    built = view_project(project)
    built.build()
    built.build()
    assert built.read_docs == []
    csv_path = built.srcdir / "data" / "communities.csv"
    lines = csv_path.read_text().splitlines()
    header = lines[0].split(",")
    row = dict.fromkeys(header, "")
    row.update(name="Extra", status="active", joined="2023-06-01")
    csv_path.write_text("\n".join([*lines, ",".join(row[h] for h in header)]) + "\n")
    built.build()
    assert built.read_docs == ["index"]
    active, recent = expected_counts(built)
    assert values(built)[:2] == [str(active), str(recent)]


def test_kpis_json_lists_views_and_every_chart_with_its_data_hash(project):
    built = view_project(project)
    built.build("kpis")
    entries = {
        entry["key"]: entry
        for entry in json.loads((built.outdir / "kpis.json").read_text())
    }
    assert entries["recent_count"]["views"] == ["active", "active_recent"]
    assert entries["recent_count"]["params"] == {"start": "2021-01-01"}
    assert [s["table"] for s in entries["recent_count"]["sources"]] == ["communities"]
    (figure,) = [entry for entry in entries.values() if entry["kind"] == "figure"]
    assert figure["key"] == "index:5"
    assert figure["query"].startswith("SELECT status, count(*) AS n")
    assert figure["sources"][0]["file"] == "data/communities.csv"
    assert len(figure["sources"][0]["sha256"]) == 64
    assert len(figure["data_sha256"]) == 64
    # the hash follows the data the chart shows
    first = figure["data_sha256"]
    csv_path = built.srcdir / "data" / "communities.csv"
    csv_path.write_text(csv_path.read_text().replace(",active,", ",paused,", 1))
    built.build("kpis")
    again = [
        entry
        for entry in json.loads((built.outdir / "kpis.json").read_text())
        if entry["kind"] == "figure"
    ]
    assert again[0]["data_sha256"] != first


def test_each_mistake_in_a_view_is_a_located_warning(project):
    built = view_project(project)
    toml = (built.srcdir / "grantreport.toml").read_text()
    built.write(
        "grantreport.toml",
        toml
        + textwrap.dedent(
            """
            [views.broken]
            sql = "SELECT nope FROM communities"

            [views.empty]
            description = "no query"
            """
        ),
    )
    built.write("other.md", OTHER + "\nBroken: {kpi}`broken_count`.\n")
    toml = (built.srcdir / "grantreport.toml").read_text()
    built.write(
        "grantreport.toml",
        toml + '\n[metrics.broken_count]\nsql = "SELECT count(*) FROM broken"\n',
    )
    built.build()
    warnings = built.warnings
    assert "view 'empty' needs an sql query" in warnings
    assert "other.md:5: WARNING: view 'broken' fails" in warnings
    assert "[grantreport.sql]" in warnings
    assert "⚠" in built.html("other")
    # the other values still work
    active, _ = expected_counts(built)
    assert values(built)[0] == str(active)
