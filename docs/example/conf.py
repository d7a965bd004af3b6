"""An example grant report: every number on its pages is computed from data/."""

import datetime

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
    # the fundraising goal the board set for the grant period
    "funding_goal": 6_000_000,
    "first_checkpoint": "2021-08-31",
}

# The report theme; its title block shows the organisation and the period,
# which is written out from the same dates the queries use.
html_theme = "grantreport"
html_title = "Shared cloud computing for research and teaching"
_start, _end = (
    datetime.date.fromisoformat(grantreport_params[key])
    for key in ("grant_start", "report_date")
)
html_theme_options = {
    "organisation": author,
    "period": f"{_start:%B %Y} – {_end:%B %Y}",
}

# The PDF reads as a report too (sphinx-build -M latexpdf docs/example _build).
grantreport_latex_report = True
grantreport_organisation = author
grantreport_period = html_theme_options["period"]
