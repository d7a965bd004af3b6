"""The documentation's examples are test fixtures: each snippet in
docs/snippets/ is built in MyST and in reST, and both must give the one
doctree stored in tests/snippets/. A missing stored doctree is written on the
first run (check it, then commit it)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

SNIPPETS = Path(__file__).parent.parent / "docs" / "snippets"
STORED = Path(__file__).parent / "snippets"
NAMES = sorted(path.stem for path in (SNIPPETS / "myst").glob("*.md"))


def test_every_snippet_has_both_syntaxes():
    assert NAMES
    assert sorted(path.stem for path in (SNIPPETS / "rst").glob("*.rst")) == NAMES


def doctree_of(project, name: str, syntax: str) -> str:
    built = project("snippets", f"{syntax}-{name}")
    shutil.copy(SNIPPETS / "kpis.toml", built.srcdir)
    shutil.copytree(SNIPPETS / "data", built.srcdir / "data")
    suffix = "md" if syntax == "myst" else "rst"
    snippet = (SNIPPETS / syntax / f"{name}.{suffix}").read_text(encoding="utf-8")
    heading = "# Snippet\n\n" if syntax == "myst" else "Snippet\n=======\n\n"
    built.write(f"index.{suffix}", heading + snippet)
    app = built.build()
    assert "WARNING" not in built.warnings, built.warnings
    doctree = app.env.get_and_resolve_doctree("index", app.builder)
    text = re.sub(r'source="[^"]*"', 'source="index"', doctree.pformat())
    # a chart's file name changes with the package version and its style
    text = re.sub(r'digest="\w+"', 'digest="..."', text)
    # docutils before 0.22 prints a true attribute as "True", later as "1"
    text = text.replace('="True"', '="1"')
    # MyST keeps a soft line break as a Text node of its own: drop those lines.
    return "".join(line for line in text.splitlines(True) if line.strip())


@pytest.mark.parametrize("name", NAMES)
def test_snippet_gives_the_stored_doctree_in_myst_and_rest(project, name):
    stored = STORED / f"{name}.xml"
    myst = doctree_of(project, name, "myst")
    rest = doctree_of(project, name, "rst")
    assert myst == rest
    if not stored.exists():
        stored.write_text(myst, encoding="utf-8")
        pytest.fail(f"stored a new doctree in {stored}: check it and commit it")
    assert myst == stored.read_text(encoding="utf-8")
