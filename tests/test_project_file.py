"""grantreport.toml / grantreport.yaml: the report's definitions in one file,
read without Sphinx; conf.py's values still work and win."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from bs4 import BeautifulSoup

from sphinx_grantreport.project_file import read_project_file


def values_of(built) -> list[str]:
    soup = BeautifulSoup(built.html(), "html.parser")
    return [span.get_text() for span in soup.select(".kpi-value")]


def test_a_report_defined_only_in_grantreport_toml_shows_the_numbers_of_conf_py(
    project,
):
    from_conf = project("basic")
    from_conf.build()
    from_file = project("project-file")
    from_file.build()
    assert "WARNING" not in from_file.warnings, from_file.warnings
    assert values_of(from_file) == values_of(from_conf)
    assert "⚠" not in from_file.html()
    assert values_of(from_file)[:2] == ["70", "$6M"]


YAML = """\
params:
  start: 2021-01-01
  end: 2023-12-31
metrics:
  active_communities:
    sql: SELECT count(*) FROM communities WHERE status = 'active'
    round: floor:10
  total_funding:
    sql: SELECT sum(amount) FROM funding
    format: currency-compact
  staff: kpis:staff_count
  monthly_users:
    sql: SELECT users FROM monthly_users ORDER BY month DESC LIMIT 1
    round: floor:100
  funding_in_period:
    sql: SELECT sum(amount) FROM funding WHERE received BETWEEN $start AND $end
    format: currency:0
"""


def test_grantreport_yaml_works_as_the_toml_does(project):
    from_toml = project("project-file", "toml")
    from_toml.build()
    built = project("project-file", "yaml")
    (built.srcdir / "grantreport.toml").unlink()
    built.write("grantreport.yaml", YAML)
    built.build()
    assert "WARNING" not in built.warnings, built.warnings
    assert values_of(built) == values_of(from_toml)


def test_conf_py_wins_over_the_file_and_says_so_for_a_metric(project):
    built = project("project-file")
    built.write(
        "conf.py",
        (built.srcdir / "conf.py").read_text()
        + textwrap.dedent(
            """
            grantreport_currency = "EUR"
            grantreport_params = {"start": "2023-01-01"}
            grantreport_metrics = {"staff": {"sql": "SELECT 3"}}
            """
        ),
    )
    built.build()
    html = built.html()
    assert "€6M" in html  # conf.py's currency
    assert ">3<" in built.html("rst_page")  # conf.py's metric
    warnings = built.warnings
    assert "grantreport.toml:18" in warnings  # the line of [metrics.staff]
    assert "metric 'staff' is defined in conf.py and in grantreport.toml" in warnings
    assert "using conf.py" in warnings
    assert "[grantreport.config]" in warnings


def test_the_file_settings_apply_where_conf_py_is_silent(project):
    built = project("project-file")
    toml = (built.srcdir / "grantreport.toml").read_text()
    euro = toml.replace('currency = "USD"', 'currency = "EUR"')
    built.write("grantreport.toml", euro)
    built.build()
    assert "€6M" in built.html()
    assert "WARNING" not in built.warnings, built.warnings


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[params\nstart = 1\n", ":1: WARNING: cannot read grantreport.toml"),
        ("[colours]\nred = 1\n", ":1: WARNING: unknown section [colours]"),
        ("[settings]\ncolour = 'red'\n", ":1: WARNING: unknown setting 'colour'"),
        ("[settings]\ncurrency = 3\n", "[settings] currency must be a string"),
        ("[settings]\nmax_age = 'soon'\n", "max_age 'soon' must read like '120d'"),
        ("[settings]\nparams = {}\n", "[settings] params: use the [params] section"),
        ("[tables]\nx = 3\n", "[tables] x must be a file path"),
        ("params = 3\n", "[params] must be a table"),
        (
            "\n\n[metrics.broken]\nsql = 'SELECT 1'\nfunction = 'kpis:f'\n",
            ":3: WARNING: metric 'broken' needs exactly one of 'sql' or 'function'",
        ),
        (
            "[metrics.odd]\nsql = 'SELECT 1'\ncolour = 'red'\n",
            ":1: WARNING: metric 'odd' has unknown field(s) colour",
        ),
    ],
)
def test_each_mistake_in_the_file_is_a_located_config_warning(project, text, expected):
    built = project("project-file", "bad")
    built.write("grantreport.toml", text)
    built.build()
    warnings = built.warnings
    assert "grantreport.toml" in warnings
    assert expected in warnings
    assert "[grantreport.config]" in warnings
    assert "Traceback" not in warnings


def test_the_project_file_is_a_dependency_of_every_page_with_a_value(project):
    built = project("project-file")
    built.build()
    assert set(built.read_docs) == {"index", "rst_page"}
    built.build()
    assert built.read_docs == []
    toml = (built.srcdir / "grantreport.toml").read_text()
    built.write("grantreport.toml", toml.replace("floor:10", "floor:1"))
    built.build()
    assert set(built.read_docs) == {"index", "rst_page"}
    assert ">73<" in built.html()


def test_a_yaml_mistake_gives_its_line(tmp_path):
    path = tmp_path / "grantreport.yaml"
    path.write_text("params:\n  start: [1\nmetrics: {}\n")
    problems = read_project_file(path).problems
    assert len(problems) == 1
    assert problems[0].line is not None and problems[0].line >= 2
    assert problems[0].error.subtype == "config"


def test_a_project_that_shows_no_value_gets_no_warning_from_its_settings(project):
    """Two data files taking one table name, and a language Babel lacks, are
    reported where a value uses them, not by a page that shows none."""
    built = project("project-file", "quiet")
    built.write("data/sub/communities.csv", "a\n1\n")
    built.write("index.md", "# Plain page\n\nNo numbers here.\n")
    (built.srcdir / "rst_page.rst").unlink()
    built.build(confoverrides={"language": "cak"})
    assert "grantreport" not in built.warnings, built.warnings
    built.write("index.md", "# Page\n\n{kpi}`active_communities` communities.\n")
    built.build(confoverrides={"language": "cak"})
    assert "[grantreport.locale]" in built.warnings
    assert "would both be table 'communities'" in built.warnings


CORE_MODULES = [
    "engine",
    "metrics",
    "formatting",
    "project_file",
    "settings",
    "definitions",
    "datafiles",
    "presentation",
    "chart_spec",
    "chart_drawing",
    "chart_style",
    "table_spec",
    "page_sets",
    "metric_definitions",
    "query_check",
    "report_code",
    "title_templates",
    "prose_formats",
    "python_specs",
    "spreadsheet",
    "watchdog",
    "version",
    "source_definitions",
    "lock_file",
    "fetchers",
    "snapshots",
    "kpi_changes",
    "diff_command",
    "fetch_command",
    "command_line",
    "role_text",
    "card_context",
    "card_rows",
    "mystmd_engine",
    "mystmd_nodes",
    "mystmd_blocks",
    "mystmd_server",
    "mystmd_init",
]


@pytest.mark.parametrize("module", CORE_MODULES)
def test_a_core_module_loads_no_sphinx_or_docutils(module):
    code = (
        f"import json, sys; import sphinx_grantreport.{module}; "
        "print(json.dumps(sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('sphinx', 'docutils', 'myst_parser'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout) == []
