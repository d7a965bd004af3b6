"""A second example: a KPI site with one page per community, made from the
same data as docs/example (see grantreport.toml, which reads its files)."""

project = "Open Compute Collective: our communities"
author = "Open Compute Collective"
copyright = "2026, Open Compute Collective"

extensions = ["myst_parser", "sphinx_design", "sphinx_grantreport"]
myst_enable_extensions = ["colon_fence"]
# _templates/ holds the community page's template: it is not a page itself
exclude_patterns = ["_build", "_templates"]
numfig = True
html_theme = "grantreport"
html_title = "Our communities"
