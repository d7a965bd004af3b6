extensions = ["myst_parser", "sphinx_design", "sphinx_grantreport"]
myst_enable_extensions = ["colon_fence"]
grantreport_metrics = {
    "active_communities": {
        "sql": "SELECT count(*) FROM communities WHERE status = 'active'",
        "round": "floor:10",
        "label": "Active communities",
    },
    "monthly_users": {
        "sql": "SELECT users FROM monthly_users ORDER BY month DESC LIMIT 1",
        "label": "Monthly active users",
    },
    "total_funding": {
        "sql": "SELECT sum(amount) FROM funding",
        "format": "currency-compact",
    },
}
