"""A card's number in context: the change, the progress to a target, the trend."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup


@pytest.fixture
def built(project):
    result = project("context")
    result.build()
    return result


def cards(built) -> list:
    return BeautifulSoup(built.html(), "html.parser").select("div.kpi-card")


def words(element) -> str:
    return re.sub(r"\s+", " ", element.get_text(" ")).strip()


def test_builds_without_warnings(built):
    assert built.warnings == ""


def test_change_against_last_year_says_direction_and_whether_good(built):
    users, cost = cards(built)
    delta = users.select_one("p.kpi-card-delta")
    assert "kpi-delta-up" in delta["class"] and "kpi-delta-good" in delta["class"]
    assert words(delta) == "▲ +17% vs last year (an improvement)"
    # a fall in cost is good news with :down-is-good:, shown in the card's format
    delta = cost.select_one("p.kpi-card-delta")
    assert "kpi-delta-down" in delta["class"] and "kpi-delta-good" in delta["class"]
    assert words(delta) == "▼ \N{MINUS SIGN}$0.30 vs last year (an improvement)"


def test_progress_toward_a_target_as_a_bar_and_in_words(built):
    users = cards(built)[0]
    bar = users.select_one("div.kpi-progress")
    assert bar["role"] == "progressbar"
    assert bar["aria-valuenow"] == "73"
    assert bar.span["style"] == "width: 73%"
    assert words(users.select_one("p.kpi-card-progress-text")) == (
        "73% of the target of 10K"
    )


def test_trend_is_an_inline_svg_sparkline_with_a_label(built):
    svg = cards(built)[0].select_one("svg.kpi-sparkline")
    assert svg["aria-label"] == "Trend over 24 values, from 5K to 7.3K"
    assert len(svg.polyline["points"].split()) == 24
    assert svg.polyline["stroke"] == "currentColor"  # follows light and dark


def test_context_reads_in_text_and_latex(project):
    result = project("context")
    result.build("text")
    text = result.text()
    assert "▲ +17% vs last year (an improvement)" in text
    assert "73% of the target of 10K" in text
    assert "(Trend over 24 values, from 5K to 7.3K)" in text
    result.build("latex")
    tex = next(result.outdir.glob("*.tex")).read_text()
    assert r"\grantreportprogress{0.7270}" in tex
    assert "▲" not in tex


@pytest.mark.parametrize(
    ("options", "subtype", "message"),
    [
        (":compare: nope", "metric", "unknown metric 'nope'"),
        (":compare: SELECT 0", "result", ":compare: cannot give a percent change"),
        (":target: SELECT 'x'", "type", "needs a number, but the value is 'x'"),
        (":target: 0", "result", ":target: must be above zero, not 0"),
        (":compare: SELECT NULL", "result", "query returned NULL"),
        (":trend: SELECT 1, 'x'", "type", ":trend: needs a number, got 'x'"),
        (":trend: SELECT 1", "result", ":trend: needs a query returning (x, y) rows"),
        (":trend: SELECT * FROM nowhere", "table", "unknown table nowhere"),
    ],
)
def test_bad_context_warns_and_keeps_the_number(project, options, subtype, message):
    result = project("context")
    result.write(
        "index.md",
        f"# Page\n\n:::{{kpi-card}} Users\n:metric: users\n{options}\n:::\n",
    )
    result.build()
    assert "index.md:3: WARNING: " in result.warnings
    assert message in result.warnings
    assert f"[grantreport.{subtype}]" in result.warnings
    assert ">7.3K<" in result.html()  # the number itself is fine


def card_page(title: str, metric: str, extra: str = "") -> str:
    return f"# Page\n\n:::{{kpi-card}} {title}\n:metric: {metric}\n{extra}:::\n"


@pytest.mark.parametrize(
    ("title", "rounding", "claim"),
    [
        ("More than {value} users", None, '"More than 7.3K" is not true'),
        ("Over {value} users", "ceil:100", '"Over 7.3K" is not true'),
        ("More than {value} users", "nearest:100", '"More than 7.3K" is not true'),
        ("At least {value} users", "ceil:1000", '"At least 8K" is not true'),
        # compact shows 7,270 as 7.3K: a rounding up, even without :round:
        ("At least {value} users", None, '"At least 7.3K" is not true'),
    ],
)
def test_claims_that_overstate_are_warnings(project, title, rounding, claim):
    result = project("context")
    extra = f":round: {rounding}\n" if rounding else ""
    result.write("index.md", card_page(title, "users", extra))
    result.build()
    assert "index.md:3: WARNING: " + claim in result.warnings
    assert "[grantreport.claim]" in result.warnings


@pytest.mark.parametrize(
    ("title", "rounding"),
    [
        ("More than {value} users", "floor:100"),
        ("At least {value} users", "floor:1000"),
        ("{value} users, more than last year", None),  # not a claim on the value
    ],
)
def test_true_claims_pass(project, title, rounding):
    result = project("context")
    extra = f":round: {rounding}\n" if rounding else ""
    result.write("index.md", card_page(title, "users", extra))
    result.build()
    assert result.warnings == ""


def test_expect_checks_the_value_and_the_rows(project):
    result = project("context")
    result.write("index.md", card_page("Users", "users"))
    metrics = {
        "users": {
            "sql": "SELECT max(users) FROM monthly_users",
            "expect": "0..5000, min_rows:36",
        }
    }
    result.build(confoverrides={"grantreport_metrics": metrics})
    assert (
        "index.md:3: WARNING: metric 'users' is 7270, outside its expected range"
        in (result.warnings)
    )
    assert "which has 24 rows, fewer than the 36 it expects" in result.warnings
    assert result.warnings.count("[grantreport.expect]") == 2
    assert ">7,270<" in result.html()  # the number is still shown


def test_bad_expect_is_a_config_warning(project):
    result = project("context")
    result.write("index.md", "# Page\n")
    metrics = {"users": {"sql": "SELECT 1", "expect": "between 1 and 2"}}
    result.build(confoverrides={"grantreport_metrics": metrics})
    assert "bad expect 'between 1 and 2'" in result.warnings
    assert "[grantreport.config]" in result.warnings


AS_OF = {
    "users": {
        "sql": "SELECT users FROM monthly_users ORDER BY month DESC LIMIT 1",
        "as_of": "SELECT max(month) FROM monthly_users",
        "format": "compact",
    }
}


def test_as_of_date_on_the_card_and_in_the_page(project, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1704067200")  # 2024-01-01
    result = project("context")
    result.write("index.md", card_page("Users", "users"))
    result.build(confoverrides={"grantreport_metrics": AS_OF, "language": "de"})
    assert result.warnings == ""
    page = BeautifulSoup(result.html(), "html.parser")
    assert words(page.select_one("p.kpi-card-as-of")) == "As of 01.12.2023"
    assert page.select_one("span.kpi-value")["data-kpi-as-of"] == "2023-12-01"


def test_stale_data_is_a_warning(project, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")  # 2025-01-01
    result = project("context")
    result.write("index.md", card_page("Users", "users"))
    conf = {"grantreport_metrics": AS_OF, "grantreport_max_age": "120d"}
    result.build(confoverrides=conf)
    assert (
        "index.md:3: WARNING: the data of metric 'users' is as of 2023-12-01, older "
        "than grantreport_max_age (120 days) [grantreport.stale]"
    ) in result.warnings


def test_sources_table_lists_each_file_with_rows_dates_and_checksum(project):
    import hashlib

    result = project("context")
    result.write("index.md", "# Data\n\n```{kpi-sources}\n```\n")
    result.build()
    assert result.warnings == ""
    table = BeautifulSoup(result.html(), "html.parser").select_one("table.kpi-sources")
    header = [words(th) for th in table.select("th")]
    assert header == ["Table", "File", "Rows", "Columns", "Dates", "SHA-256"]
    (row,) = [[words(td) for td in tr.select("td")] for tr in table.select("tbody tr")]
    data = result.srcdir / "data" / "monthly-users.csv"
    assert row == [
        "monthly_users",
        "data/monthly-users.csv",
        "24",
        "month, users",
        "Jan 1, 2022 \N{EN DASH} Dec 1, 2023",
        hashlib.sha256(data.read_bytes()).hexdigest()[:12],
    ]


def test_sources_with_an_unknown_table_warns(project):
    result = project("context")
    result.write("index.md", "# Data\n\n```{kpi-sources}\n:tables: nowhere\n```\n")
    result.build()
    assert "index.md:3: WARNING: unknown table 'nowhere' in :tables:" in result.warnings


@pytest.mark.parametrize(
    ("sentence", "warned"),
    [
        ("We serve more than {kpi}`users` people.", '"more than 7.3K" is not true'),
        ("We serve more\nthan {kpi}`users` people.", '"more than 7.3K" is not true'),
        ("Above **{kpi}`users`** people used it.", '"Above 7.3K" is not true'),
        ("We served at least {kpi}`users:integer` people.", None),  # 7,270 exactly
        ("We served at least {kpi}`users:compact:2` people.", None),  # 7.27K
        ("It ran over {kpi}`users:integer` days.", None),  # "over": a duration
        ("We raised over {kpi}`users` dollars.", '"over 7.3K" is not true'),
        ("We served {kpi}`users` people, more than before.", None),  # not a claim
    ],
)
def test_claims_in_prose_are_checked_like_card_titles(project, sentence, warned):
    result = project("context")
    result.write("index.md", f"# Page\n\n{sentence}\n")
    result.build()
    if warned:
        assert "index.md:3: WARNING: " + warned in result.warnings
        assert "[grantreport.claim]" in result.warnings
    else:
        assert result.warnings == ""
    assert "claim=" not in result.app.env.get_doctree("index").pformat()


SEVERAL = """\
:metric: users
:compare: users_last_year; 7000; SELECT 7270
:compare-label: vs last year; vs the plan; vs last month
:delta: percent; absolute; percent
:down-is-good: no; yes; no
"""

SEVERAL_RST = """\
   :metric: users
   :compare: users_last_year; 7000; SELECT 7270
   :compare-label: vs last year; vs the plan; vs last month
   :delta: percent; absolute; percent
   :down-is-good: no; yes; no
"""


@pytest.mark.parametrize("syntax", ["myst", "rst"])
def test_a_card_shows_several_comparisons_each_with_its_own_words(project, syntax):
    result = project("context")
    if syntax == "myst":
        result.write("index.md", card_page("Users", "users", SEVERAL))
    else:
        (result.srcdir / "index.md").unlink()
        result.write("index.rst", f"Page\n====\n\n.. kpi-card:: Users\n{SEVERAL_RST}\n")
    result.build()
    assert result.warnings == ""
    (card,) = cards(result)
    deltas = card.select("p.kpi-card-delta")
    assert [words(delta) for delta in deltas] == [
        "▲ +17% vs last year (an improvement)",
        # 7,270 against a plan of 7,000 is up, and up is bad here
        "▲ +270 vs the plan (a worsening)",
        "▶ ±0% vs last month (no change)",
    ]
    assert [d["class"][-1] for d in deltas] == [
        "kpi-delta-good",
        "kpi-delta-bad",
        "kpi-delta-neutral",
    ]
    result.build("text")
    text = result.text()
    assert "▲ +17% vs last year (an improvement)" in text
    assert "▲ +270 vs the plan (a worsening)" in text
    result.build("latex")
    tex = next(result.outdir.glob("*.tex")).read_text()
    assert tex.count("vs the plan") == 1 and tex.count("vs last month") == 1


def test_several_comparisons_with_a_wrong_count_of_labels_warn(project):
    result = project("context")
    extra = ":compare: users_last_year; 7000\n:compare-label: a; b; c\n"
    result.write("index.md", card_page("Users", "users", extra))
    result.build()
    assert "index.md:3: WARNING: :compare-label: gives 3 values for 2 comparisons" in (
        result.warnings
    )
    assert "[grantreport.option]" in result.warnings
    assert ">7.3K<" in result.html()
