extensions = ["myst_parser", "sphinx_design", "sphinx_grantreport"]
myst_enable_extensions = ["colon_fence"]
numfig = True
grantreport_metrics = {
    "hubs": {"sql": "SELECT count(*) FROM hubs", "round": "floor:10", "label": "Hubs"},
    "users": {"sql": "SELECT sum(users) FROM hubs", "format": "compact"},
    "users_by_region": {
        "sql": "SELECT region, sum(users) FROM hubs GROUP BY region",
        "key": "region",
    },
    "regions": {"sql": "SELECT DISTINCT region FROM hubs ORDER BY region"},
}
linkcheck_ignore = [".*"]
copyright = "2026, Example"
version = release = "1.0"
project = "Every node"
