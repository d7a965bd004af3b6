extensions = ["myst_parser", "sphinx_design", "sphinx_grantreport"]
myst_enable_extensions = ["colon_fence"]
project = "Output safety"
author = "Example"
copyright = "2026, Example"
version = release = "1.0"
