"""An example grant report: every number on its pages is computed from data/."""

project = "Open Compute Collective: grant report"
author = "Open Compute Collective"
copyright = "2026, Open Compute Collective"

extensions = ["myst_parser", "sphinx_design", "sphinx_grantreport"]
myst_enable_extensions = ["colon_fence", "deflist"]
exclude_patterns = ["_build", "data/README.md"]
numfig = True

# Every CSV/JSON/Parquet file under data/ is a table named after its file:
# data/hub-counts-monthly.csv is the table hub_counts_monthly. Four files are
# real public data about 2i2c's hub service; the others are sample data made
# by make_data.py (see data/README.md).
grantreport_metrics_file = "kpis.toml"

# The period this report covers, bound as $grant_start, $report_date and
# $first_checkpoint in every query (kpis.toml and the pages). Build the same
# pages for another period by editing these lines.
grantreport_params = {
    "grant_start": "2021-01-01",
    "report_date": "2023-12-31",
    "first_checkpoint": "2021-08-31",
}

html_theme = "alabaster"
