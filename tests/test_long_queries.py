"""A long :sql: in MyST: continued on the next line, it is cut short by MyST;
the page says so and what to write instead (a YAML option block or a view)."""

from __future__ import annotations

PAGE = """\
# Long queries

:::{kpi-figure}
:sql: SELECT status, count(*) AS n
FROM communities GROUP BY ALL ORDER BY status
Communities by status.
:::

:::{kpi-figure}
---
sql: |
  SELECT status, count(*) AS n
  FROM communities GROUP BY ALL ORDER BY status
---
From 2021 on, by status.
:::

:::{kpi-card} Rows
:sql: SELECT count(*)
  FROM communities
:::
"""


def test_a_query_cut_by_myst_is_an_option_warning_and_a_yaml_block_works(project):
    built = project("project-file", "long")
    (built.srcdir / "rst_page.rst").unlink()
    built.write("index.md", PAGE)
    built.build()
    warnings = built.warnings.splitlines()
    cut = [line for line in warnings if "goes on in the next line" in line]
    assert [line.split(": WARNING")[0].rsplit(":", 1)[1] for line in cut] == [
        "3",
        "18",
    ]
    assert all("[grantreport.option]" in line for line in cut)
    assert all("YAML option block" in line for line in cut)
    assert len(warnings) == 2, warnings  # no SQL error about the half query
    html = built.html()
    assert html.count("kpi-chart") >= 1  # the YAML block's chart is drawn
    assert html.count("⚠") == 2
