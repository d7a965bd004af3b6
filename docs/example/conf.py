"""An example grant report: every number on its pages is computed from data/.

The report's data definitions (the period as query parameters, the PDF
settings and every named metric) are in grantreport.toml, next to this file.
This file holds only the Sphinx settings.
"""

project = "Open Compute Collective: grant report"
author = "Open Compute Collective"
copyright = "2026, Open Compute Collective"

extensions = ["myst_parser", "sphinx_design", "sphinx_grantreport"]
myst_enable_extensions = ["colon_fence", "deflist"]
exclude_patterns = ["_build", "data/README.md"]
numfig = True

# The report theme. Its title block shows the organisation and the period
# from [settings] in grantreport.toml, as the PDF's title block does.
html_theme = "grantreport"
html_title = "Shared cloud computing for research and teaching"
