"""The same report under the MyST Document Engine: the Python side piped
requests by hand, then the real ``myst`` CLI with the plugin that
``sphinx-grantreport myst init`` writes, against the Sphinx build of the
same pages."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import ROOTS

from sphinx_grantreport.command_line import main
from sphinx_grantreport.mystmd_init import PLUGIN_FILE, listed, with_plugin

MYST = shutil.which("myst")
NEEDS_MYST = pytest.mark.tool_missing(
    MYST is None or shutil.which("node") is None,
    reason="needs the myst CLI and Node: pip install mystmd",
)


class Server:
    """``python -m sphinx_grantreport.mystmd_server ROOT``, asked line by line."""

    def __init__(self, root: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sphinx_grantreport.mystmd_server", str(root)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.id = 0

    def ask(self, *items: dict) -> dict:
        self.id += 1
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(json.dumps({"id": self.id, "items": items}) + "\n")
        self.process.stdin.flush()
        reply = json.loads(self.process.stdout.readline())
        assert reply["id"] == self.id
        return reply

    def close(self) -> None:
        assert self.process.stdin
        self.process.stdin.close()
        assert self.process.wait(timeout=30) == 0


@pytest.fixture
def root(tmp_path):
    target = tmp_path / "report"
    shutil.copytree(ROOTS / "test-mystmd-engine", target)
    return target


@pytest.fixture
def server(root):
    started = Server(root)
    yield started
    started.close()


def texts(node: dict) -> str:
    if node.get("type") == "text":
        return node["value"]
    return "".join(texts(child) for child in node.get("children", []))


def role(server: Server, arg: str) -> tuple[str, list[dict]]:
    [result] = server.ask({"kind": "kpi", "arg": arg})["results"]
    return "".join(texts(node) for node in result["nodes"]), result["warnings"]


@pytest.mark.parametrize(
    ("arg", "shown"),
    [
        ("hubs", "4"),
        ("hubs:words", "four"),
        ("users", "4,500"),
        ("users round=nearest:1", "4,585"),
        ("eu_users:compact", "2.1K"),
        ("users_by_hub[east]", "2,410"),
        ("hub_names:list:2", "east, north, and 2 others"),
        ("$year", "2024"),
        ("$region", "eu"),
    ],
)
def test_each_form_of_the_role(server, arg, shown):
    assert role(server, arg) == (shown, [])


@pytest.mark.parametrize(
    ("arg", "subtype"),
    [
        ("nope", "metric"),
        ("users_by_hub[nowhere]", "key"),
        ("users_by_hub", "key"),
        ("$nope", "param"),
        ("users:zzz", "format"),
        ("users round=sideways:1", "round"),
    ],
)
def test_a_broken_role_is_a_placeholder_and_a_warning(server, arg, subtype):
    shown, warnings = role(server, arg)
    assert shown == "⚠ metric unavailable"
    assert [warning["subtype"] for warning in warnings] == [subtype]


def test_a_card_with_a_title_template_a_body_and_a_link(server):
    [result] = server.ask(
        {
            "kind": "kpi-card",
            "arg": "{value} hubs",
            "options": {"metric": "hubs", "link": "https://example.org/hubs"},
        }
    )["results"]
    [card] = result["nodes"]
    assert card["type"] == "card" and card["url"] == "https://example.org/hubs"
    title, body = card["children"]
    assert title == {
        "type": "cardTitle",
        "children": [
            {"type": "strong", "children": [{"type": "text", "value": "4"}]},
            {"type": "text", "value": " hubs"},
        ],
    }
    assert body == {"type": "grantreportBody"}  # where mystmd's body goes


def test_a_card_without_a_template_shows_the_value_over_its_label(server):
    [result] = server.ask(
        {"kind": "kpi-card", "arg": "", "options": {"metric": "users"}}
    )["results"]
    title, label, _ = result["nodes"][0]["children"]
    assert texts(title) == "4,500" and texts(label) == "Users"


def test_a_card_option_only_sphinx_draws_says_so_and_keeps_the_value(server):
    [result] = server.ask(
        {
            "kind": "kpi-card",
            "arg": "{value} hubs",
            "options": {"metric": "hubs", "class-card": "wide"},
        }
    )["results"]
    assert texts(result["nodes"][0]["children"][0]) == "4 hubs"
    [warning] = result["warnings"]
    assert warning["subtype"] == "mystmd" and ":class-card:" in warning["message"]


def test_a_card_s_changes_progress_and_trend_read_as_in_sphinx(server, root):
    [result] = server.ask(
        {
            "kind": "kpi-card",
            "arg": "Hubs",
            "options": {
                "metric": "hubs",
                "compare": "3; 5",
                "compare-label": "vs 2023; vs plan",
                "target": "8",
                "trend": "SELECT joined, users FROM hubs ORDER BY joined",
            },
        }
    )["results"]
    assert result["warnings"] == []
    words = [texts(node) for node in result["nodes"][0]["children"][3:6]]
    assert words == [
        "▲ +33% vs 2023 (an improvement)",
        "▼ \N{MINUS SIGN}20% vs plan (a worsening)",
        "50% of the target of 8",
    ]
    image = result["nodes"][0]["children"][6]
    assert image["alt"] == "Trend over 4 values, from 1,250 to 95"
    assert (root / image["url"][1:]).read_text().startswith("<svg")


def test_a_figure_is_drawn_once_and_named_by_its_content(server, root):
    item = {
        "kind": "kpi-figure",
        "options": {"sql": "SELECT hub, users FROM hubs", "name": "fig-users"},
    }
    [result] = server.ask(item)["results"]
    [figure] = result["nodes"]
    assert (figure["kind"], figure["label"]) == ("figure", "fig-users")
    image, caption = figure["children"]
    assert image["url"].startswith("/_build/grantreport/chart-")
    assert "Bar chart of users by hub" in image["alt"]
    chart = root / image["url"][1:]
    assert chart.read_bytes().startswith(b"<?xml")
    drawn = chart.stat().st_mtime_ns
    again = Server(root)
    assert again.ask(item)["results"] == [result]
    again.close()
    assert chart.stat().st_mtime_ns == drawn  # a new process redraws nothing
    assert caption == {"type": "caption", "children": [{"type": "grantreportBody"}]}


def test_a_table_and_the_data_appendix(server):
    table, appendix = server.ask(
        {
            "kind": "kpi-table",
            "arg": "By region",
            "options": {
                "sql": "SELECT region, sum(users) AS users FROM hubs GROUP BY ALL "
                "ORDER BY users DESC",
                "total": "users",
                "name": "tab-regions",
            },
        },
        {"kind": "kpi-sources", "options": {}},
    )["results"]
    [container] = table["nodes"]
    assert container["identifier"] == "tab-regions"
    caption, rows = container["children"]
    assert texts(caption) == "By region"
    cells = [[texts(cell) for cell in row["children"]] for row in rows["children"]]
    assert cells == [
        ["region", "users"],
        ["us", "2,505"],
        ["eu", "2,080"],
        ["Total", "4,585"],
    ]
    assert rows["children"][1]["children"][1]["align"] == "right"
    [listing] = appendix["nodes"]
    hubs = [texts(cell) for cell in listing["children"][1]["children"]]
    assert hubs[:4] == ["hubs", "data/hubs.csv", "4", "hub, region, users, joined"]


def test_a_broken_table_is_a_placeholder_and_a_warning(server):
    [result] = server.ask(
        {"kind": "kpi-table", "options": {"sql": "SELECT * FROM nowhere"}}
    )["results"]
    assert "⚠ metric unavailable" in texts(result["nodes"][0])
    assert [w["subtype"] for w in result["warnings"]] == ["table"]


def test_changed_data_is_read_on_the_next_request(server, root):
    assert role(server, "hubs")[0] == "4"
    with (root / "data/hubs.csv").open("a") as csv:
        csv.write("centre,eu,10,2024-05-01\n")
    assert role(server, "hubs")[0] == "5"


def test_the_project_file_s_problems_come_once_at_its_line(root):
    (root / "grantreport.toml").write_text(
        (root / "grantreport.toml").read_text() + "\n[metrics.bad]\nsql = 3\n"
    )
    server = Server(root)
    first = server.ask({"kind": "kpi", "arg": "hubs"})
    [problem] = first["problems"]
    lines = (root / "grantreport.toml").read_text().splitlines()
    assert problem["line"] == lines.index("[metrics.bad]") + 1
    assert problem["subtype"] == "config"
    assert problem["file"].endswith("grantreport.toml")
    assert server.ask({"kind": "kpi", "arg": "hubs"})["problems"] == []
    server.close()


def test_a_print_in_a_metric_function_does_not_break_the_answers(root):
    (root / "report_metrics.py").write_text(
        "def noisy():\n    print('hello from a metric')\n    return 7\n"
    )
    (root / "grantreport.toml").write_text(
        (root / "grantreport.toml").read_text()
        + '\n[metrics.noisy]\nfunction = "report_metrics:noisy"\n'
    )
    server = Server(root)
    assert role(server, "noisy") == ("7", [])
    server.close()


def test_init_writes_the_plugin_and_lists_it_once(root, capsys):
    (root / "myst.yml").write_text(
        "version: 1\n# keep me\nproject:\n  title: T\n  plugins:\n"
        "    - type: javascript\n      path: other.mjs\n"
    )
    assert main(["myst", "init", str(root)]) == 0
    said = capsys.readouterr().out
    assert f"wrote {root / PLUGIN_FILE}" in said
    text = (root / "myst.yml").read_text()
    assert "# keep me" in text and "other.mjs" in text
    plugin = (root / PLUGIN_FILE).read_text()
    assert json.dumps(sys.executable) in plugin and "@@" not in plugin
    assert main(["myst", "init", str(root)]) == 0
    assert "already set up; nothing to do" in capsys.readouterr().out
    assert (root / "myst.yml").read_text() == text


@pytest.mark.parametrize(
    "config",
    ["version: 1\n", "version: 1\nproject:\n  title: T\n", "project: {}\n"],
)
def test_the_plugin_is_listed_whatever_myst_yml_holds(config):
    import yaml

    try:
        changed = with_plugin(config)
    except ValueError:
        pytest.fail("could not add the plugin")
    assert listed(yaml.safe_load(changed)) or config == "project: {}\n"


def _myst(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert MYST is not None
    return subprocess.run(
        [MYST, "build", "--site", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_COLOR": "1"},
    )


def _page_ast(root: Path) -> dict:
    return json.loads((root / "_build/site/content/index.json").read_text())["mdast"]


@NEEDS_MYST
def test_myst_build_strict_shows_what_the_sphinx_build_shows(root, project):
    assert main(["myst", "init", str(root)]) == 0
    built = _myst(root, "--strict")
    assert built.returncode == 0, built.stdout + built.stderr
    mdast = _page_ast(root)
    page = texts(mdast)
    assert "We run four hubs for more than 4,500 users in 2024" in " ".join(
        page.split()
    )
    cards = [node for node in _walk(mdast) if node["type"] == "card"]
    assert [texts(card["children"][0]) for card in cards] == [
        "4 hubs",
        "4.5K",
        "2,505",
        "2,080",
    ]
    first, cards_grid = [node for node in _walk(mdast) if node["type"] == "grid"]
    assert len(first["children"]) == 2
    assert cards_grid["columns"] == [1, 2, 2, 2]
    assert [texts(card) for card in cards_grid["children"]] == [
        "2,505Users in us84% of the target of 3,000",
        "2,080Users in eu69% of the target of 3,000",
    ]
    [image] = [node for node in _walk(mdast) if node["type"] == "image"]
    assert (root / "_build/site/public" / image["url"].lstrip("/")).is_file()
    assert cards[0]["url"] == "#fig-users"  # :link-type: ref
    [download] = [node for node in _walk(mdast) if node["type"] == "link"]
    csv = (root / "_build/site/public" / download["url"].lstrip("/")).read_text()
    assert csv.splitlines()[:2] == ["hub,users", "east,2410"]
    [folded] = [node for node in _walk(mdast) if node["type"] == "admonition"]
    assert folded["class"] == "dropdown"
    assert [
        texts(cell) for cell in folded["children"][1]["children"][1]["children"]
    ] == [
        "east",
        "2.4K",
    ]

    sphinx = project(root, name="sphinx")
    sphinx.build()
    assert "WARNING" not in sphinx.warnings, sphinx.warnings
    soup = BeautifulSoup(sphinx.html(), "html.parser")
    values = [node.get_text() for node in soup.select("section > p .kpi-value")]
    assert len(values) == 7
    shown = [
        texts(node)
        for node in _walk(mdast)
        if node["type"] == "paragraph" and node in _top_paragraphs(mdast)
    ]
    for value in values:
        assert value in " ".join(shown), (value, shown)
    sphinx_cards = [
        " ".join(card.select_one(".sd-card-title").get_text().split())
        for card in soup.select(".sd-card")
    ]
    assert len(sphinx_cards) == len(cards) == 4
    for card, sphinx_card in zip(cards, soup.select(".sd-card"), strict=True):
        words = " ".join(sphinx_card.get_text(" ").split())
        assert " ".join(texts(card).split()) in words.replace(" ", "") or all(
            texts(part) in words for part in card["children"] if texts(part)
        ), (texts(card), words)
    assert len(soup.select("figure img")) == 1
    # the table: the same cells, header, body and total
    sphinx_rows = [
        [" ".join(cell.get_text().split()) for cell in row.select("th, td")]
        for row in soup.select("table.kpi-table tr")
    ]
    [table] = [
        node
        for node in _walk(mdast)
        if node["type"] == "container" and node.get("kind") == "table"
    ]
    myst_rows = [
        [texts(cell) for cell in row["children"]]
        for row in table["children"][1]["children"]
    ]
    assert myst_rows == sphinx_rows
    assert myst_rows[-1] == ["Total", "4", "4,585"]


def _walk(node: dict):
    yield node
    for child in node.get("children", []):
        yield from _walk(child)


def _top_paragraphs(mdast: dict) -> list[dict]:
    return [
        node for node in mdast["children"][0]["children"] if node["type"] == "paragraph"
    ]


@NEEDS_MYST
def test_a_broken_value_fails_a_strict_build_at_its_line(root):
    assert main(["myst", "init", str(root)]) == 0
    page = root / "index.md"
    page.write_text(page.read_text().replace("{kpi}`$year`", "{kpi}`nope`"))
    built = _myst(root, "--strict")
    assert built.returncode != 0
    said = built.stdout + built.stderr
    assert "index.md:3" in said  # mystmd places a role at its paragraph
    assert "unknown metric 'nope'" in said and "[grantreport.metric]" in said
    assert "⚠ metric unavailable" in texts(_page_ast(root)) or built.returncode


@NEEDS_MYST
def test_changed_data_is_shown_by_the_next_build(root):
    assert main(["myst", "init", str(root)]) == 0
    assert _myst(root).returncode == 0
    assert "We run four hubs" in texts(_page_ast(root))
    with (root / "data/hubs.csv").open("a") as csv:
        csv.write("centre,eu,10,2024-05-01\n")
    assert _myst(root).returncode == 0
    assert "We run five hubs" in texts(_page_ast(root))


@pytest.mark.tool_missing(
    shutil.which("jupyter-book") is None or shutil.which("node") is None,
    reason="needs Jupyter Book 2 and Node: pip install jupyter-book",
)
def test_jupyter_book_builds_the_same_project(root):
    assert main(["myst", "init", str(root)]) == 0
    built = subprocess.run(
        ["jupyter-book", "build", "--site", "--strict"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert built.returncode == 0, built.stdout + built.stderr
    page = " ".join(texts(_page_ast(root)).split())
    assert "We run four hubs for more than 4,500 users in 2024" in page


EXAMPLE = Path(__file__).parent.parent / "docs" / "example"


@NEEDS_MYST
def test_the_example_report_shows_the_same_under_both_engines(tmp_path, built):
    """The example's own myst.yml, with a stub site template in place of the
    book theme (which mystmd downloads): the same values on each page, the
    same cards with the same numbers, the same number of figures."""
    root = tmp_path / "example"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("_build"))
    (root / "_tpl").mkdir()
    (root / "_tpl/template.yml").write_text("myst: v1\nkind: site\n")
    config = (root / "myst.yml").read_text()
    assert "template: book-theme" in config
    (root / "myst.yml").write_text(config.replace("book-theme", "./_tpl"))
    assert main(["myst", "init", str(root)]) == 0
    # not --strict: mystmd notes the dropdowns' :icon: and the toctree, which
    # it does not know; none of ours may fail
    result = _myst(root)
    said = result.stdout + result.stderr
    assert result.returncode == 0, said
    assert "⛔" not in said and "[grantreport." not in said, said
    sphinx = built(EXAMPLE)
    for page in ("index", "about-the-data"):
        soup = BeautifulSoup(sphinx.html(page), "html.parser")
        mdast = json.loads((root / f"_build/site/content/{page}.json").read_text())
        page_text = " ".join(texts(mdast["mdast"]).split())
        values = [
            " ".join(value.get_text().split())
            for value in soup.select(".kpi-value")
            if not value.find_parent(class_="sd-card")
        ]
        assert values and all(value in page_text for value in values)
        cards = [node for node in _walk(mdast["mdast"]) if node["type"] == "card"]
        sphinx_cards = soup.select(".sd-card.kpi-card")
        assert len(cards) == len(sphinx_cards)
        for card, sphinx_card in zip(cards, sphinx_cards, strict=True):
            number = sphinx_card.select_one(".kpi-value").get_text()
            assert number in texts(card), (number, texts(card))
        figures = [
            node
            for node in _walk(mdast["mdast"])
            if node["type"] == "container" and node.get("kind") == "figure"
        ]
        assert len(figures) == len(soup.select("figure.kpi-figure"))
    assert len(soup.select(".sd-card.kpi-card")) == 0  # about-the-data has none
