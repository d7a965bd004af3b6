extensions = ["myst_parser", "sphinx_design", "sphinx_grantreport"]
myst_enable_extensions = ["colon_fence"]
numfig = True
latex_documents = [("index", "tables.tex", "Tables", "Tests", "howto")]
