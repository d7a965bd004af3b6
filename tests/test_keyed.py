"""Keyed metrics (one query, one value per key), lists in prose and
parameters in the text: ``{kpi}`users_by_hub[toronto]```, ``:key:`` on a
card, ``[$hub]``, ``{kpi}`hub_names:list:3``` and ``{kpi}`$year```."""

from __future__ import annotations

import json
import re

import pytest
from bs4 import BeautifulSoup

from sphinx_grantreport.engine import QueryEngine


def shown(html: str) -> list[str]:
    """The text of each value, in page order."""
    page = BeautifulSoup(html, "html.parser")
    return [value.get_text() for value in page.select("span.kpi-value")]


def cards(html: str) -> list[str]:
    page = BeautifulSoup(html, "html.parser")
    for tip in page.select(".kpi-tip"):
        tip.decompose()
    return [" ".join(card.get_text(" ").split()) for card in page.select(".kpi-card")]


@pytest.fixture(scope="module")
def keyed(built):
    return built("keyed")


def test_each_key_shows_its_own_value_with_the_metrics_format(keyed):
    assert keyed.warnings == ""
    values = shown(keyed.html())
    assert values[:2] == ["2,150", "760"]  # floor:10; the role's ,d
    assert values[2:4] == ["2,150", "2023"]  # [$hub] = toronto, and $year
    assert values[4] == "210"  # two key columns: columbia, 2022


def test_a_card_takes_its_key_and_a_keyed_compare_and_target_take_the_same(keyed):
    toronto, edinburgh = cards(keyed.html())
    # 2,154 against 1,500 in 2022 (+43.6%) and a goal of 2,500 (86%)
    assert toronto == (
        "2,150 Users at Toronto ▲ +44% vs 2022 (an improvement) "
        "86% of the target of 2,500"
    )
    assert edinburgh == "Users at 2,150 Edinburgh"  # :key: $hub, a sentence card


def test_rest_pages_take_keys_too(keyed):
    page = keyed.html("rst_page")
    assert shown(page)[:2] == [
        "2,150",
        "Berkeley, Columbia, Edinburgh, Nairobi, and Toronto",
    ]
    # an explicit key on :compare: (760 against 800)
    assert cards(page) == ["760 Users at Berkeley ▼ \N{MINUS SIGN}5% (a worsening)"]


def test_a_list_is_a_sentence_in_the_reports_language(keyed):
    values = shown(keyed.html())
    assert values[5] == "Berkeley, Columbia, Edinburgh, Nairobi, and Toronto"
    assert values[6] == "Toronto, Berkeley, Edinburgh, and 2 others"  # :list:3
    assert values[7] == "76%, 30%, 65%, 12%, and 215%"  # each item in its format


def test_a_list_in_another_language(project):
    report = project("keyed")
    report.write("index.md", "# Hubs\n\n{kpi}`hub_names:list:2` und so weiter.\n")
    report.write("rst_page.rst", ":orphan:\n\nOther\n=====\n")
    report.build(confoverrides={"language": "de"})
    assert shown(report.html()) == ["Berkeley, Columbia und 3 others"]


def test_kpis_json_lists_each_key_with_its_value(built):
    report = built("keyed", "kpis")
    entries = {
        entry["key"]: entry
        for entry in json.loads((report.outdir / "kpis.json").read_text("utf-8"))
    }
    toronto = entries["users_by_hub[toronto]"]
    assert toronto["metric"] == "users_by_hub"
    assert toronto["metric_key"] == "toronto"
    assert toronto["value"] == 2154
    assert toronto["texts"] == ["2,150"]
    assert toronto["pages"] == ["cards", "cards_rst", "index", "rst_page"]
    assert toronto["sources"][0]["file"] == "data/usage.csv"
    assert entries["users_by_hub[berkeley]"]["texts"] == ["760"]
    assert entries["users_by_hub_and_year[columbia, 2022]"]["value"] == 210
    assert entries["hub_names"]["value"] == [
        "Berkeley",
        "Columbia",
        "Edinburgh",
        "Nairobi",
        "Toronto",
    ]
    assert entries["$year"]["texts"] == ["2023"]
    assert entries["$year"]["params"] == {"year": 2023}


def test_a_keyed_metric_runs_one_query_for_all_its_keys(project, monkeypatch):
    ran: list[str] = []
    execute = QueryEngine._execute

    def counted(self, sql, *args):
        ran.append(" ".join(sql.split()))
        return execute(self, sql, *args)

    monkeypatch.setattr(QueryEngine, "_execute", counted)
    report = project("keyed")
    keys = ["toronto", "berkeley", "columbia", "edinburgh", "nairobi"]
    report.write(
        "index.md",
        "# Hubs\n\n" + "\n".join(f"{{kpi}}`users_by_hub[{key}]`" for key in keys * 3),
    )
    report.write("rst_page.rst", ":orphan:\n\nOther\n=====\n")
    report.build()
    assert report.warnings == ""
    assert len(shown(report.html())) == 15
    assert [sql for sql in ran if "year = 2023 GROUP BY hub" in sql] == [
        "SELECT hub, sum(users) AS users FROM usage WHERE year = 2023 GROUP BY hub"
    ]


BAD = {
    # an unknown key: the nearest keys are suggested
    "{kpi}`users_by_hub[toronot]`": "metric 'users_by_hub' has no key 'toronot'; "
    "did you mean toronto?",
    "{kpi}`users_by_hub[zzz]`": "metric 'users_by_hub' has no key 'zzz'; keys: "
    "berkeley, columbia, edinburgh, nairobi, toronto",
    # a keyed metric without its key
    "{kpi}`users_by_hub`": "metric 'users_by_hub' has one value per hub: pick one "
    "as users_by_hub[KEY] (keys: berkeley, columbia, edinburgh, nairobi, toronto)",
    # a key on a metric without one
    "{kpi}`hub_names[toronto]`": "metric 'hub_names' has no key: write hub_names "
    "without [toronto]",
    "{kpi}`users_by_hub[$nope]`": "key $nope names a parameter that is not defined",
    "{kpi}`$nope`": "$nope is not a parameter (defined: $hub, $year)",
    "{kpi}`missing_key[toronto]`": "metric 'missing_key' is keyed by region, but "
    "its query returns no column region (columns: hub, users)",
    "{kpi}`twice[toronto]`": "metric 'twice' returns key toronto twice; a keyed "
    "metric needs one row per key (GROUP BY its key)",
    "{kpi}`two_values[toronto]`": "keyed metric 'two_values' must return its key "
    "column(s) and one value column, not 2 more (year, users)",
    "{kpi}`users_by_hub:list`": "metric 'users_by_hub' cannot be a list",
    "{kpi}`two_columns:list`": "a list needs a query of one column and at least "
    "one row; metric 'two_columns' returns 2 column(s) and 5 row(s)",
    "{kpi}`users_by_hub[]`": "empty key in []",
}

BAD_METRICS = """
[metrics.missing_key]
sql = "SELECT hub, users FROM usage"
key = "region"

[metrics.twice]
sql = "SELECT hub, users FROM usage"
key = "hub"

[metrics.two_values]
sql = "SELECT hub, year, users FROM usage"
key = "hub"

[metrics.two_columns]
sql = "SELECT hub, name FROM hubs"
"""


@pytest.fixture(scope="module")
def bad(tmp_path_factory, rootdir, built):
    import shutil

    srcdir = tmp_path_factory.mktemp("bad") / "keyed"
    shutil.copytree(rootdir / "test-keyed", srcdir)
    with (srcdir / "grantreport.toml").open("a", encoding="utf-8") as toml:
        toml.write(BAD_METRICS)
    lines = [f"Line {n}: {role}\n" for n, role in enumerate(BAD)]
    (srcdir / "index.md").write_text("# Bad\n\n" + "\n".join(lines), encoding="utf-8")
    (srcdir / "rst_page.rst").write_text(":orphan:\n\nOther\n=====\n", encoding="utf-8")
    return built(srcdir)


@pytest.mark.parametrize("role", BAD)
def test_bad_keys_and_lists_warn_at_their_line_with_a_placeholder(bad, role):
    line = 3 + 2 * list(BAD).index(role)
    found = [
        warning
        for warning in bad.warnings.splitlines()
        if re.search(rf"index\.md:{line}: WARNING: ", warning)
    ]
    assert len(found) == 1, bad.warnings
    assert BAD[role] in found[0]
    assert re.search(r"\[grantreport\.(key|param|result)\]$", found[0]), found[0]
    index = list(BAD).index(role)
    paragraph = BeautifulSoup(bad.html(), "html.parser").select("p")[index]
    assert paragraph.select_one(".kpi-unavailable") is not None, paragraph


def test_a_key_field_without_sql_or_empty_is_a_config_warning(project):
    report = project("keyed")
    with (report.srcdir / "grantreport.toml").open("a", encoding="utf-8") as toml:
        toml.write('\n[metrics.empty_key]\nsql = "SELECT 1"\nkey = " , "\n')
    report.build()
    assert "metric 'empty_key': key must name the column(s) of its sql" in (
        report.warnings
    )
    assert "[grantreport.config]" in report.warnings


def test_expect_and_claims_are_checked_per_key(project):
    report = project("keyed")
    toml = report.srcdir / "grantreport.toml"
    toml.write_text(
        toml.read_text("utf-8").replace('expect = "0..5000"', 'expect = "0..1000"'),
        encoding="utf-8",
    )
    report.write(
        "index.md",
        "# Hubs\n\nBerkeley {kpi}`users_by_hub[berkeley]`, Toronto "
        "{kpi}`users_by_hub[toronto]`.\n\n"
        "At least {kpi}`users_by_hub[columbia] round=ceil:100` at Columbia.\n",
    )
    report.write("rst_page.rst", ":orphan:\n\nOther\n=====\n")
    report.build()
    warnings = report.warnings.splitlines()
    expect = [
        line
        for line in warnings
        if "[grantreport.expect]" in line and "index.md" in line
    ]
    assert len(expect) == 1, warnings  # Toronto's 2,154 only, not Berkeley's 760
    assert "metric 'users_by_hub' is 2154, outside its expected range" in expect[0]
    claims = [line for line in warnings if "[grantreport.claim]" in line]
    assert len(claims) == 1 and '"At least 400"' in claims[0], warnings


def test_a_changed_key_value_rebuilds_the_page(project):
    report = project("keyed")
    report.build()
    usage = report.srcdir / "data" / "usage.csv"
    usage.write_text(
        usage.read_text("utf-8").replace("toronto,2023,2154", "toronto,2023,3154"),
        encoding="utf-8",
    )
    report.build()
    # every page that shows a value of the metric, kpi-cards included
    assert sorted(report.read_docs) == ["cards", "cards_rst", "index", "rst_page"]
    assert shown(report.html())[0] == "3,150"


def test_keys_and_lists_read_in_text_and_latex(project):
    report = project("keyed")
    report.build("text")
    text = " ".join(report.text().split())
    assert "Toronto had 2,150 users, Berkeley 760." in text
    assert "Our hubs are Berkeley, Columbia, Edinburgh, Nairobi, and Toronto" in text
    assert "the busiest are Toronto, Berkeley, Edinburgh, and 2 others." in text
    report.build("latex")
    tex = next(report.outdir.glob("*.tex")).read_text("utf-8")
    assert r"Toronto had \DUrole{kpi-value}{2,150} users, Berkeley" in tex
    assert r"\DUrole{kpi-value}{Toronto, Berkeley, Edinburgh, and 2 others}" in tex
    assert "86\\% of the target of 2,500" in tex
