extensions = ["myst_parser", "sphinx_design", "sphinx_grantreport"]
myst_enable_extensions = ["colon_fence"]
project = "Both engines"
exclude_patterns = ["_build", "_tpl"]
