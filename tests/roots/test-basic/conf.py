extensions = ["myst_parser", "sphinx_design", "sphinx_grantreport"]
grantreport_metrics = {
    "active_communities": {
        "sql": "SELECT count(*) FROM communities WHERE status = 'active'",
        "round": "floor:10",
        "label": "Active communities",
    },
    "total_funding": {"sql": "SELECT sum(amount) FROM funding", "format": "currency-compact"},
    "staff": "kpis:staff_count",
}
grantreport_metrics_file = "kpis.toml"
grantreport_params = {"start": "2021-01-01", "end": "2023-12-31"}
myst_enable_extensions = ["colon_fence"]
