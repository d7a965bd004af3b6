"""Documentation of sphinx-grantreport, itself built with the extension."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "_ext"))

project = "sphinx-grantreport"
author = "sphinx-grantreport developers"
copyright = "2026, sphinx-grantreport developers"

extensions = [
    "myst_parser",
    "sphinx_design",
    "sphinx_grantreport",
    "grantreport_reference",
]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
numfig = True
exclude_patterns = ["_build", "example", "example-communities", "snippets/myst", "snippets/rst", "snippets/data"]
nitpicky = True

# The snippets shown in these pages are the test fixtures of tests/test_snippets.py,
# rendered live from the tables and metrics of grantreport.toml, next to this file.

html_theme = "grantreport"
html_title = "sphinx-grantreport"
html_theme_options = {
    "organisation": "sphinx-grantreport",
    "abstract": "Reports whose numbers and charts are computed from their data "
    "when Sphinx builds them.",
}
