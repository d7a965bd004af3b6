extensions = ["myst_parser", "sphinx_design", "sphinx_grantreport"]
myst_enable_extensions = ["colon_fence"]
grantreport_params = {"year": 2023}
grantreport_metrics = {
    "users": {
        "sql": "SELECT users FROM monthly_users WHERE year(month) = $year ORDER BY month DESC LIMIT 1",
        "label": "Monthly active users",
        "format": "compact",
    },
    "users_last_year": {
        "sql": "SELECT users FROM monthly_users WHERE year(month) = $year - 1 ORDER BY month DESC LIMIT 1",
    },
    "cost_per_user": {"sql": "SELECT 3.10", "format": "currency"},
    "cost_last_year": {"sql": "SELECT 3.40"},
}
