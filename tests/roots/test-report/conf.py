# A report with the PDF's report look and the grantreport theme's options:
# the same conf.py builds with html_theme = "furo" too (see test_report.py).
extensions = ["myst_parser", "sphinx_grantreport", "sphinx_grantreport.theme"]
myst_enable_extensions = ["colon_fence"]
project = "Annual report 2024"
author = "Open Data Network"
numfig = True
html_theme = "grantreport"
html_theme_options = {
    "organisation": "Open Data Network",
    "period": "January to December 2024",
    "abstract": "What the network did in 2024.",
    "doi_url": "https://doi.org/10.5281/zenodo.1234",
}
grantreport_latex_report = True
grantreport_organisation = "Open Data Network"
grantreport_period = "January to December 2024"
