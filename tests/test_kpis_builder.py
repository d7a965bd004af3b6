"""sphinx-build -b kpis: every number of a report with where it came from."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import time


def kpis(built) -> list[dict]:
    return json.loads((built.outdir / "kpis.json").read_text(encoding="utf-8"))


def test_lists_every_metric_and_inline_query_with_its_sources(project):
    built = project("basic")
    built.build("kpis")
    assert built.warnings == ""
    entries = {entry["key"]: entry for entry in kpis(built)}
    assert list(entries) == sorted(entries)  # a stable order
    communities = entries["active_communities"]
    assert communities["value"] == 73
    assert communities["texts"] == ["70"]
    assert communities["pages"] == ["index", "rst_page"]
    csv_file = built.srcdir / "data" / "communities.csv"
    assert communities["sources"] == [
        {
            "table": "communities",
            "file": "data/communities.csv",
            "sha256": hashlib.sha256(csv_file.read_bytes()).hexdigest(),
            "rows": 83,
        }
    ]
    funding = entries["funding_in_period"]
    assert funding["params"] == {"start": "2021-01-01", "end": "2023-12-31"}
    assert funding["texts"] == ["$5,634,000"]
    total = entries["total_funding"]
    assert total["texts"] == ["$6,034,000", "$6M"]  # the role's own format too
    inline = entries["rst_page:15"]
    assert inline["metric"] is None
    assert inline["query"] == "SELECT count(*) FROM communities"
    assert entries["staff"]["sources"] == [{"file": "kpis.py", "function": True}]


def test_csv_has_the_same_entries(project):
    built = project("basic")
    built.build("kpis")
    rows = list(csv.DictReader(io.StringIO((built.outdir / "kpis.csv").read_text())))
    assert [row["key"] for row in rows] == [entry["key"] for entry in kpis(built)]
    assert json.loads(rows[0]["pages"]) == ["index", "rst_page"]


def test_unavailable_numbers_are_listed_with_their_error(project):
    bad = project("bad")
    bad.write("index.md", "# Page\n\nValue: {kpi}`nope`.\n")
    bad.build("kpis")
    (entry,) = kpis(bad)
    assert entry["key"] == "nope"
    assert entry["error"].startswith("unknown metric 'nope'")


def test_a_changed_data_file_changes_the_list(project):
    built = project("basic")
    built.build("kpis")
    before = (built.outdir / "kpis.json").read_bytes()
    built.build("kpis")
    assert (built.outdir / "kpis.json").read_bytes() == before  # diffs cleanly
    users = built.srcdir / "data" / "monthly-users.csv"
    users.write_text(users.read_text().replace("7244", "9344"))
    later = time.time() + 5
    os.utime(users, (later, later))
    built.build("kpis")
    entries = {entry["key"]: entry for entry in kpis(built)}
    assert entries["monthly_users"]["value"] == 9344


def test_parallel_and_serial_lists_are_identical(project):
    lists = []
    for name, parallel in (("serial", 0), ("parallel", 2)):
        built = project("basic", name)
        for n in range(6):
            built.write(f"extra{n}.md", f"# Extra {n}\n\n{{kpi}}`staff` and {n}\n")
        built.build("kpis", parallel=parallel)
        lists.append((built.outdir / "kpis.json").read_text())
    assert lists[0] == lists[1]


def test_parameters_of_every_bindable_type_are_listed_as_text(project):
    import datetime
    import uuid

    built = project("bad")
    built.write(
        "index.md",
        "# Page\n\n:::{kpi-card} Typed\n:sql: SELECT length($key::VARCHAR) + "
        "day($span) + second($at) + octet_length($raw)\n:::\n",
    )
    key = uuid.UUID("12345678-1234-5678-1234-567812345678")
    params = {
        "key": key,
        "span": datetime.timedelta(days=2),
        "at": datetime.time(10, 0, 5),
        "raw": b"\x00\xff",
    }
    built.build("kpis", confoverrides={"grantreport_params": params})
    assert built.warnings == ""
    (entry,) = kpis(built)
    assert entry["value"] == 36 + 2 + 5 + 2
    assert entry["params"] == {
        "at": "10:00:05",
        "key": str(key),
        "raw": "00ff",
        "span": "2 days, 0:00:00",
    }
    assert "00ff" in (built.outdir / "kpis.csv").read_text(encoding="utf-8")
