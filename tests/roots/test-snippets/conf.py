# The test copies docs/snippets/kpis.toml and docs/snippets/data/ next to this.
extensions = ["myst_parser", "sphinx_design", "sphinx_grantreport"]
myst_enable_extensions = ["colon_fence"]
grantreport_metrics_file = "kpis.toml"
