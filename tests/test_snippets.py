"""The documentation's examples are test fixtures: each snippet in
docs/snippets/ is built in MyST and in reST, and both must give the doctrees
stored in tests/snippets/: NAME.xml as the HTML builder resolves it, and
NAME.latex.xml after the LaTeX builder's post-transforms (where cards take
their shape for print). A missing stored doctree is written on the first run
(check it, then commit it)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

SNIPPETS = Path(__file__).parent.parent / "docs" / "snippets"
STORED = Path(__file__).parent / "snippets"
NAMES = sorted(path.stem for path in (SNIPPETS / "myst").glob("*.md"))
#: The builders whose resolved doctree is stored, and the stored file's suffix.
BUILDERS = {"html": ".xml", "latex": ".latex.xml"}


def test_every_snippet_has_both_syntaxes():
    assert NAMES
    assert sorted(path.stem for path in (SNIPPETS / "rst").glob("*.rst")) == NAMES


def _text_of(app) -> str:
    doctree = app.env.get_and_resolve_doctree("index", app.builder)
    text = re.sub(r'source="[^"]*"', 'source="index"', doctree.pformat())
    # a chart's file name changes with the package version and its style
    text = re.sub(r'digest="\w+"', 'digest="..."', text)
    # docutils before 0.22 prints a boolean attribute as "True"/"False",
    # later as "1"/"0"
    text = text.replace('="True"', '="1"').replace('="False"', '="0"')
    # MyST keeps a soft line break as a Text node of its own: drop those lines.
    return "".join(line for line in text.splitlines(True) if line.strip())


def doctrees_of(project, name: str, syntax: str) -> dict[str, str]:
    """The snippet's resolved doctree for each builder of BUILDERS.

    The page is read once: the LaTeX build reuses the environment of the HTML
    build (one doctree directory for both, as ``sphinx-build -M`` has it) and
    only writes, so the post-transforms run on the same doctree."""
    built = project("snippets", f"{syntax}-{name}")
    shutil.copy(SNIPPETS / "kpis.toml", built.srcdir)
    shutil.copytree(SNIPPETS / "data", built.srcdir / "data")
    suffix = "md" if syntax == "myst" else "rst"
    snippet = (SNIPPETS / syntax / f"{name}.{suffix}").read_text(encoding="utf-8")
    heading = "# Snippet\n\n" if syntax == "myst" else "Snippet\n=======\n\n"
    built.write(f"index.{suffix}", heading + snippet)
    doctrees = {}
    for builder in BUILDERS:
        app = built.build(builder)
        assert "WARNING" not in built.warnings, f"{builder}: {built.warnings}"
        assert built.read_docs == ([] if doctrees else ["index"]), builder
        doctrees[builder] = _text_of(app)
    return doctrees


@pytest.mark.parametrize("name", NAMES)
def test_snippet_gives_the_stored_doctrees_in_myst_and_rest(project, name):
    myst = doctrees_of(project, name, "myst")
    rest = doctrees_of(project, name, "rst")
    written = []
    for builder, suffix in BUILDERS.items():
        assert myst[builder] == rest[builder], builder
        stored = STORED / f"{name}{suffix}"
        if not stored.exists():
            stored.write_text(myst[builder], encoding="utf-8")
            written.append(stored.name)
            continue
        assert myst[builder] == stored.read_text(encoding="utf-8"), builder
    if written:
        pytest.fail(f"stored new doctrees {written} in {STORED}: check and commit")


def test_the_latex_doctree_has_the_cards_in_their_print_shape():
    """The stored LaTeX doctrees show what the post-transforms do for print."""
    big_number = (STORED / "card-context.latex.xml").read_text(encoding="utf-8")
    for part in ("kpi-card-number", "kpi-card-title", "kpi-card-delta"):
        assert f'<container classes="{part}">' in big_number, part
    assert "kpi-delta-arrow" not in big_number  # no arrow glyph for pdflatex
    sentence = (STORED / "card-sentence.latex.xml").read_text(encoding="utf-8")
    assert '<container classes="kpi-card-link">' in sentence
    assert "sd-stretched-link" not in sentence  # a visible link instead
