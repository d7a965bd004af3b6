extensions = ["myst_parser", "sphinx_design", "sphinx_grantreport"]
myst_enable_extensions = ["colon_fence"]
grantreport_metrics = {
    # "More than N" claims
    "exactly_eighty": {"sql": "SELECT 80", "label": "Partners"},
    "eighty_three_floored": {"sql": "SELECT 83", "round": "floor:10"},
    # expect = "10..20" at and around both ends
    "in_range": {"sql": "SELECT 15", "expect": "10..20"},
    "at_low_bound": {"sql": "SELECT 10", "expect": "10..20"},
    "at_high_bound": {"sql": "SELECT 20", "expect": "10..20"},
    "below_range": {"sql": "SELECT 5", "expect": "10..20"},
    "above_range": {"sql": "SELECT 25", "expect": "10..20"},
}
