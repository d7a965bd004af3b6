"""Print the key communities of sources/key-communities.toml as CSV.

The source key_communities in grantreport.toml runs this program when
`sphinx-grantreport fetch` is run. DuckDB cannot read TOML, so the program
turns the list into a table, one row per community, with its GitHub
organisation (the last part of its URL) as `org`. Standard library only.
"""

import csv
import sys
import tomllib
from pathlib import Path

LIST = Path(__file__).parent.parent / "sources" / "key-communities.toml"

with LIST.open("rb") as file:
    communities = tomllib.load(file)["communities"]

out = csv.writer(sys.stdout, lineterminator="\n")
out.writerow(["org", "title", "area", "url"])
for community in communities:
    org = community["url"].rstrip("/").rsplit("/", 1)[-1]
    out.writerow([org, community["title"], community["area"], community["url"]])
