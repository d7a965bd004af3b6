"""Make the sample data of the example report: python make_data.py

The Open Compute Collective is fictional, and so are the files this script
writes into data/: a register of the communities it serves, their monthly
active users, its funding by quarter and its staff. They are made to look
like a real hub service and to agree with the real public data next to them
(see data/README.md):

- the register has exactly as many communities active at each month end as
  2i2c had community hubs (``n_hubs_excl_staging`` in hub-counts-monthly.csv);
- the third-year quarters of funding.json add up, category by category, to
  the real third-year funds in funds-by-type.csv.

Standard library only, with a fixed seed: running it twice writes
byte-identical files. It reads the real files and never writes them.
"""

from __future__ import annotations

import csv
import datetime
import json
import math
import random
from pathlib import Path

DATA = Path(__file__).parent / "data"
SEED = 2024
#: The grant this report covers, as in [params] of grantreport.toml.
GRANT_START = datetime.date(2021, 1, 1)
REPORT_DATE = datetime.date(2023, 12, 31)

KINDS = {  # kind: (share of new communities, median monthly users, teaches?)
    "university": (0.40, 160, True),
    "research": (0.30, 45, False),
    "community college": (0.17, 90, True),
    "nonprofit": (0.13, 35, False),
}
REGIONS = ["North America", "Europe", "Latin America", "Africa", "Asia", "Oceania"]
SOUTHERN = {"Latin America", "Oceania"}  # teaching calendars run the other way
#: Users in a teaching community each calendar month, relative to the year's
#: average: exams in late spring and late autumn, breaks in summer and winter.
NORTHERN_TERMS = [
    0.70,
    0.95,
    1.05,
    1.20,
    1.25,
    0.70,
    0.40,
    0.45,
    1.00,
    1.10,
    1.25,
    0.95,
]
SOUTHERN_TERMS = NORTHERN_TERMS[6:] + NORTHERN_TERMS[:6]
RESEARCH_YEAR = [0.90, 1.00, 1.05, 1.05, 1.05, 1.00, 0.90, 0.85, 1.05, 1.10, 1.10, 0.90]

PLACES = [
    "Alder", "Amber", "Ashford", "Bayview", "Birch", "Brookside", "Cedar",
    "Clearwater", "Copper", "Coral", "Crescent", "Eastgate", "Elm", "Fairmont",
    "Fernhill", "Glen", "Granite", "Harbor", "Hawthorn", "Highland", "Iron",
    "Juniper", "Kestrel", "Lakeside", "Larch", "Linden", "Maple", "Meadow",
    "Midvale", "Millbrook", "Northfield", "Oakridge", "Orchard", "Pinecrest",
    "Prairie", "Quarry", "Redwood", "Ridgeway", "Riverbend", "Rosewood",
    "Saltmarsh", "Sandstone", "Silverlake", "Southport", "Spruce", "Stonebridge",
    "Summit", "Thornbury", "Timber", "Valley", "Westbrook", "Willow", "Windmere",
]  # fmt: skip
FIELDS = [
    "Climate", "Ocean", "Genomics", "Seismology", "Hydrology", "Neuroscience",
    "Ecology", "Astronomy", "Glaciology", "Epidemiology", "Soil Science",
    "Remote Sensing", "Materials", "Linguistics", "Air Quality",
]  # fmt: skip
SUFFIX = {
    "university": ["University", "State University", "Institute of Technology"],
    "research": ["{field} Lab", "{field} Collaboration", "{field} Observatory"],
    "community college": ["Community College", "College"],
    "nonprofit": ["{field} Network", "Open {field} Society", "{field} Academy"],
}


def month_ends(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """The last day of every month from first's month to last's month."""
    ends, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        following = datetime.date(year + month // 12, month % 12 + 1, 1)
        ends.append(following - datetime.timedelta(days=1))
        year, month = following.year, following.month
    return ends


def day_in(rng: random.Random, month_end: datetime.date) -> datetime.date:
    return month_end.replace(day=rng.randint(1, month_end.day))


def read_csv(name: str) -> list[dict[str, str]]:
    with open(DATA / name, newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def write_csv(name: str, header: list[str], rows: list[list[object]]) -> None:
    with open(DATA / name, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(["" if v is None else v for v in row] for row in rows)


def split(rng: random.Random, total: int, parts: int) -> list[int]:
    """Random whole-dollar parts that add up to total exactly."""
    weights = [rng.uniform(0.6, 1.4) for _ in range(parts)]
    shares = [total * w / sum(weights) for w in weights]
    amounts = [math.floor(s) for s in shares]
    by_remainder = sorted(range(parts), key=lambda i: shares[i] - amounts[i])
    for i in by_remainder[len(by_remainder) - (total - sum(amounts)) :]:
        amounts[i] += 1
    return amounts


# -- communities --------------------------------------------------------------


def new_community(rng: random.Random, joined: datetime.date, taken: set[str]) -> dict:
    # As the grant went on the collective reached more community colleges and
    # more communities beyond North America and Europe.
    outreach = min(1.0, max(0.0, (joined - GRANT_START).days / 1095))
    kinds = list(KINDS)
    weights = [KINDS[k][0] for k in kinds]
    weights[kinds.index("community college")] *= 0.5 + outreach
    kind = rng.choices(kinds, weights=weights)[0]
    start, end = (
        [0.62, 0.30, 0.02, 0.02, 0.02, 0.02],
        [0.30, 0.2, 0.16, 0.16, 0.1, 0.08],
    )
    weights = [a + (b - a) * outreach for a, b in zip(start, end, strict=True)]
    region = rng.choices(REGIONS, weights=weights)[0]
    while True:
        suffix = rng.choice(SUFFIX[kind]).format(field=rng.choice(FIELDS))
        name = f"{rng.choice(PLACES)} {suffix}"
        if name not in taken:
            taken.add(name)
            break
    hub = name.lower().replace(" ", "-")
    # Historically marginalised: not a research university (community colleges
    # and some smaller universities), or not based in North America or Europe.
    marginalized = (
        kind == "community college"
        or region not in ("North America", "Europe")
        or (kind == "university" and rng.random() < 0.2)
    )
    return {
        "name": name,
        "hub": hub,
        "joined": joined,
        "departed": None,
        "kind": kind,
        "region": region,
        "marginalized": marginalized,
    }


def make_communities(rng: random.Random) -> list[dict]:
    """Joins and departures that reproduce the real month-end hub counts."""
    targets = [
        (datetime.date.fromisoformat(row["snapshot_date"]), int(row[key]))
        for row in read_csv("hub-counts-monthly.csv")
        for key in ["n_hubs_excl_staging"]
        if row["snapshot_date"] <= REPORT_DATE.isoformat()
    ]
    taken: set[str] = set()
    first_end, first_count = targets[0]
    communities = [
        new_community(
            rng, first_end - datetime.timedelta(days=rng.randint(0, 150)), taken
        )
        for _ in range(first_count)
    ]
    previous = first_count
    for month_end, count in targets[1:]:
        active = [c for c in communities if c["departed"] is None]
        settled = [c for c in active if (month_end - c["joined"]).days > 120]
        churn = 1 if rng.random() < 0.18 and settled else 0
        leaving = min(len(settled), churn + max(0, previous - count))
        for community in rng.sample(settled, leaving):
            community["departed"] = day_in(rng, month_end)
        for _ in range(count - previous + leaving):
            communities.append(new_community(rng, day_in(rng, month_end), taken))
        previous = count
    communities.sort(key=lambda c: (c["joined"], c["name"]))
    return communities


def active_at(community: dict, day: datetime.date) -> bool:
    departed = community["departed"]
    return community["joined"] <= day and (departed is None or departed > day)


# -- usage --------------------------------------------------------------------


def make_monthly_users(rng: random.Random, communities: list[dict]) -> list[list]:
    rows = []
    sizes = {}
    for c in communities:
        median = KINDS[c["kind"]][1]
        sizes[c["hub"]] = min(median * rng.lognormvariate(0, 0.7), median * 6)
    for month_end in month_ends(GRANT_START, REPORT_DATE):
        month = month_end.replace(day=1)
        for c in communities:
            if not active_at(c, month_end):
                continue
            teaches = KINDS[c["kind"]][2]
            if not teaches:
                season = RESEARCH_YEAR
            elif c["region"] in SOUTHERN:
                season = SOUTHERN_TERMS
            else:
                season = NORTHERN_TERMS
            months_in = (month_end - c["joined"]).days / 30.4
            ramp = min(1.0, 0.3 + 0.7 * months_in / 6)
            growth = 1.12 ** ((month_end - GRANT_START).days / 365)
            users = sizes[c["hub"]] * season[month.month - 1] * ramp * growth
            users *= rng.lognormvariate(0, 0.08)
            rows.append([month.isoformat(), c["hub"], max(1, round(users))])
    return rows


# -- funding ------------------------------------------------------------------

QUARTERS = [
    datetime.date(year, m, 1) for year in (2021, 2022, 2023) for m in (1, 4, 7, 10)
]
#: Sources by category, each with the quarters in which it brought in money.
#: Grants are awarded in lump sums; service contracts renew every quarter.
SOURCES = {
    "grant": {
        "Core-support grant": [0],
        "Federal science agency": [2, 9],
        "Climate research foundation": [4, 10],
        "Community college access fund": [6, 11],
        "Global open science alliance": [7, 8],
    },
    "service contract": {
        "University hub services": list(range(12)),
        "Research hub services": list(range(1, 12)),
        "Community college network": list(range(5, 12)),
    },
    "development contract": {
        "Notebook platform contract": [1, 3, 5, 8],
        "Data portal contract": [6, 10, 11],
    },
}
#: Money brought in during the first and second year, by category (USD).
EARLY_YEARS = {
    "grant": (1_760_000, 1_210_000),
    "service contract": (120_000, 215_000),
    "development contract": (140_000, 230_000),
}
#: The real third-year funds (funds-by-type.csv) for each category.
REAL_CATEGORY = {
    "grant": "Grants awarded",
    "service contract": "Open science cloud service contracts",
    "development contract": "Development contracts",
}


def make_funding(rng: random.Random) -> list[dict]:
    year3 = {
        row["type_of_funds"]: int(row["funds_raised_year3_usd"])
        for row in read_csv("funds-by-type.csv")
    }
    records = []
    for category, sources in SOURCES.items():
        totals = (*EARLY_YEARS[category], year3[REAL_CATEGORY[category]])
        for year, total in enumerate(totals):
            slots = [
                (quarter, source)
                for source, quarters in sources.items()
                for quarter in quarters
                if quarter // 4 == year
            ]
            if category == "grant" and year == 0:  # the core-support grant dominates
                core, rest = round(total * 0.7), total - round(total * 0.7)
                amounts = [core, *split(rng, rest, len(slots) - 1)]
            else:
                amounts = split(rng, total, len(slots))
            for (quarter, source), amount in zip(slots, amounts, strict=True):
                records.append(
                    {
                        "quarter": QUARTERS[quarter].isoformat(),
                        "source": source,
                        "category": category,
                        "amount": amount,
                    }
                )
    records.sort(key=lambda r: (r["quarter"], r["category"], r["source"]))
    return records


# -- staff --------------------------------------------------------------------

#: (team, role, start, end, hours a week): the collective began with a
#: director and an engineer and grew team by team.
HIRES = [
    ("leadership", "Executive director", "2021-01-04", None, 40),
    ("engineering", "Cloud engineer", "2021-01-04", None, 40),
    ("engineering", "Cloud engineer", "2021-05-03", None, 40),
    ("partnerships", "Community partnerships lead", "2021-09-01", None, 40),
    ("engineering", "Open source engineer", "2021-11-15", "2023-03-31", 30),
    ("engineering", "Site reliability engineer", "2022-02-01", None, 40),
    ("operations", "Operations manager", "2022-04-04", None, 30),
    ("engineering", "Open source engineer", "2022-06-01", None, 40),
    ("partnerships", "Training coordinator", "2022-09-06", None, 24),
    ("product", "Product manager", "2023-01-09", None, 40),
    ("engineering", "Cloud engineer", "2023-04-03", None, 40),
    ("operations", "People operations lead", "2023-06-05", None, 20),
    ("partnerships", "Community partnerships lead", "2023-08-14", "2023-11-30", 40),
    ("engineering", "Open source engineer", "2023-10-02", None, 32),
]


def make_staff() -> list[list]:
    return [
        [f"staff-{number:02d}", team, role, start, end, hours]
        for number, (team, role, start, end, hours) in enumerate(HIRES, start=1)
    ]


def main() -> None:
    rng = random.Random(SEED)
    communities = make_communities(rng)
    write_csv(
        "communities.csv",
        ["name", "hub", "joined", "departed", "kind", "region", "marginalized"],
        [
            [
                c["name"],
                c["hub"],
                c["joined"].isoformat(),
                c["departed"].isoformat() if c["departed"] else None,
                c["kind"],
                c["region"],
                "true" if c["marginalized"] else "false",
            ]
            for c in communities
        ],
    )
    write_csv(
        "monthly-users.csv",
        ["month", "hub", "users"],
        make_monthly_users(rng, communities),
    )
    text = json.dumps(make_funding(rng), indent=1, ensure_ascii=False)
    (DATA / "funding.json").write_text(text + "\n", encoding="utf-8")
    write_csv(
        "staff.csv",
        ["person", "team", "role", "start_date", "end_date", "hours_per_week"],
        make_staff(),
    )


if __name__ == "__main__":
    main()
