extensions = ["myst_parser", "sphinx_grantreport"]
myst_enable_extensions = ["colon_fence"]
grantreport_data = {"missing": "data/not-there.csv", "sheet": "data/sheet.xlsx"}
grantreport_metrics = {
    "users": {"sql": "SELECT sum(users) FROM hubs", "label": "Users"},
    "org_name": {"sql": "SELECT 'Example Org'"},
    "unimportable": "no_such_module:count",
    "raises": "helpers:explode",
    "returns_list": "helpers:a_list",
    "not_a_function": "helpers:missing_function",
}
grantreport_params = {"start": "2021-01-01"}
