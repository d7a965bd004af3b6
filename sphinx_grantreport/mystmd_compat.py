"""What a report written for the MyST Document Engine (mystmd) needs under
Sphinx: the constructs mystmd gives a meaning that myst-parser drops or warns
about either work here or give a located ``grantreport.mystmd`` warning that
says what to write instead.

- ``:::{note} Title`` with options: the first line is the admonition's title,
  as in mystmd (myst-parser would warn and make it the first paragraph).
- an admonition with ``:class: dropdown`` is folded: it becomes
  sphinx-design's ``{dropdown}``, titled by the admonition's title.
- ``+++ {"part": "abstract"}`` ... ``+++`` marks the blocks between the two
  breaks as the abstract (any part): they go into a topic titled after it.
- ``abbreviations:`` in the front matter is not expanded: a warning at the
  page's first line says to write ``{abbr}`` roles.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from docutils import nodes
from docutils.parsers.rst import Directive, directives
from docutils.statemachine import StringList
from docutils.transforms import Transform
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.locale import admonitionlabels
from sphinx_design.shared import create_component

from .errors import ReportError
from .report_warnings import warn

try:  # myst-parser runs directives with a mock state of its own
    from myst_parser.mocking import MockState
except ImportError:  # pragma: no cover - myst-parser is a dependency
    MockState = None  # type: ignore[assignment,misc]

#: The admonitions that take a title in mystmd, and their octicon as a
#: dropdown's icon.
ADMONITIONS: dict[str, str] = {
    "attention": "alert",
    "caution": "alert",
    "danger": "stop",
    "error": "stop",
    "hint": "light-bulb",
    "important": "report",
    "note": "info",
    "seealso": "eye",
    "tip": "light-bulb",
    "warning": "alert",
}

#: The class that folds an admonition in mystmd.
DROPDOWN_CLASS = "dropdown"


def _in_myst(directive: Directive) -> bool:
    return MockState is not None and isinstance(directive.state, MockState)


def _titled(base: type[Directive]) -> type[Directive]:
    """``base`` (Sphinx's ``note``, ``tip``, ...) taking a title on its first
    line in MyST, as mystmd's admonitions do, and unchanged in reST."""

    class TitledAdmonition(base):  # type: ignore[valid-type,misc]
        optional_arguments = 1
        final_argument_whitespace = True
        arguments: list[str]
        content: StringList

        def run(self) -> list[nodes.Node]:
            if not _in_myst(self):
                return self._run_as_rest()
            if not self.arguments:
                return list(super().run())
            first_line = self.arguments[0]
            self.arguments = []
            if not (self.options and self.content):
                # myst-parser's reading: with no option block (or no body),
                # the first line is where the body starts.
                source, offset = self.state_machine.get_source_and_line(self.lineno)
                self.content = StringList(
                    [first_line, *self.content],
                    items=[(source, (offset or 1) - 1), *self.content.items],
                )
                self.content_offset -= 1
                return list(super().run())
            # mystmd's reading: a first line and an option block make a title.
            (node,) = super().run()
            return [_with_title(self, node, first_line)]

        def _run_as_rest(self) -> list[nodes.Node]:
            """Parse the directive again with the class it replaces: in reST
            the first line is the start of the body, whatever follows."""
            source, _line = self.state_machine.get_source_and_line(self.lineno)
            lines = self.block_text.splitlines()
            block = StringList(
                lines, items=[(source, self.lineno - 1 + i) for i in range(len(lines))]
            )
            name = self.name.lower()
            container = nodes.Element()
            directives._directives[name] = base  # type: ignore[attr-defined]
            try:
                self.state.nested_parse(block, self.lineno - 1, container)
            finally:
                directives._directives[name] = type(self)  # type: ignore[attr-defined]
            return list(container.children)

    TitledAdmonition.__name__ = f"Titled{base.__name__}"
    return TitledAdmonition


def _with_title(directive: Directive, node: nodes.Node, title: str) -> nodes.Element:
    """The admonition ``node`` (a ``note``, say) as a titled ``admonition``
    of its kind, which is how Sphinx writes ``{admonition} Title`` with
    ``:class: note``."""
    assert isinstance(node, nodes.Element)
    textnodes, messages = directive.state.inline_text(title, directive.lineno)
    heading = nodes.title(title, "", *textnodes)
    heading.source, heading.line = node.source, node.line
    titled = nodes.admonition(node.rawsource, heading, *messages, *node.children)
    for key, value in node.attributes.items():
        titled[key] = value
    kind = node.tagname
    titled["classes"] = [kind, *(c for c in node["classes"] if c != kind)]
    titled.source, titled.line = node.source, node.line
    return titled


def _admonition_kind(node: nodes.Element) -> str:
    if isinstance(node, addnodes.seealso):
        return "seealso"
    if type(node) is nodes.admonition:
        return next((c for c in node["classes"] if c in ADMONITIONS), "admonition")
    return node.tagname


class FoldDropdownAdmonitions(Transform):
    """An admonition with ``:class: dropdown`` becomes sphinx-design's
    dropdown, titled by its title (or by its kind: "Note")."""

    default_priority = 500

    def apply(self, **kwargs: Any) -> None:
        for node in list(self.document.findall(nodes.Admonition)):
            if DROPDOWN_CLASS in node["classes"]:
                # not replace_self: it would copy the ids and classes over
                node.parent.replace(node, _dropdown(node))


def _dropdown(node: nodes.Element) -> nodes.Element:
    kind = _admonition_kind(node)
    children = list(node.children)
    if children and isinstance(children[0], nodes.title):
        title_children = children.pop(0).children
    else:
        title_children = [nodes.Text(str(admonitionlabels.get(kind, kind.title())))]
    classes = [c for c in node["classes"] if c != DROPDOWN_CLASS and c != "admonition"]
    dropdown = create_component(
        "dropdown",
        opened=node.get("collapsible") == "open",
        type="dropdown",
        has_title=True,
        icon=ADMONITIONS.get(kind),
        chevron=None,
        container_classes=["sd-mb-3", *classes],
        title_classes=[],
        body_classes=[],
    )
    dropdown.source, dropdown.line = node.source, node.line
    title = nodes.rubric("", "", *title_children, ids=list(node["ids"]))
    title["names"] = list(node["names"])
    dropdown += title
    dropdown.extend(children)
    return dropdown


def _block_break_part(node: nodes.comment) -> str | None:
    """The ``part`` of a block break's JSON (``+++ {"part": "abstract"}``)."""
    if "block_break" not in node["classes"]:
        return None
    text = node.astext().strip()
    if not text.startswith("{"):
        return None
    try:
        meta = json.loads(text)
    except ValueError:
        return None
    part = meta.get("part") if isinstance(meta, dict) else None
    return part if isinstance(part, str) and part.strip() else None


class BlockBreakParts(Transform):
    """The blocks between ``+++ {"part": NAME}`` and the next ``+++`` become
    a topic titled after the part ("Abstract"), with the part as its class."""

    default_priority = 490

    def apply(self, **kwargs: Any) -> None:
        for marker in list(self.document.findall(nodes.comment)):
            part = _block_break_part(marker)
            if part is None or marker.parent is None:
                continue
            parent = marker.parent
            index = parent.index(marker)
            body: list[nodes.Node] = []
            for sibling in parent.children[index + 1 :]:
                if isinstance(sibling, nodes.comment) and (
                    "block_break" in sibling["classes"]
                ):
                    break
                if isinstance(sibling, nodes.section):
                    break  # a heading ends the part as well
                body.append(sibling)
            if not body:
                continue
            label = part.replace("_", " ").replace("-", " ").strip().capitalize()
            topic = nodes.topic(
                "", nodes.title(label, label), classes=[nodes.make_id(part)]
            )
            topic.source, topic.line = marker.source, marker.line
            for sibling in body:
                parent.remove(sibling)
                topic += sibling
            parent.insert(index + 1, topic)


def _warn_front_matter(app: Sphinx, doctree: nodes.document) -> None:
    """mystmd's front-matter keys that Sphinx reads as mere metadata."""
    env: BuildEnvironment = app.env
    metadata = env.metadata.get(env.docname, {})
    if "abbreviations" not in metadata:
        return
    example = "{abbr}`CI (continuous integration)`"
    names = _abbreviation_names(metadata["abbreviations"])
    if names:
        first, explanation = names[0]
        example = f"{{abbr}}`{first} ({explanation})`"
    warn(
        ReportError(
            "mystmd",
            "'abbreviations:' in the front matter is a mystmd feature that "
            "Sphinx ignores: no abbreviation of this page is expanded. Write "
            f"each one with the abbr role where it first appears, such as "
            f"{example}, and remove 'abbreviations:'",
        ),
        (env.docname, 1),
    )


def _abbreviation_names(value: object) -> list[tuple[str, str]]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    if not isinstance(value, dict):
        return []
    return [(str(key), str(text)) for key, text in value.items()]


def _registered(name: str) -> type[Directive] | None:
    found = directives._directives.get(name)  # type: ignore[attr-defined]
    return found if isinstance(found, type) else None


def setup_mystmd_compat(app: Sphinx) -> None:
    """Register the titled admonitions, the two transforms and the front
    matter check."""
    for name in ADMONITIONS:
        base = _registered(name)
        if base is not None and not base.__name__.startswith("Titled"):
            app.add_directive(name, _titled(base), override=True)
    app.add_transform(BlockBreakParts)
    app.add_transform(FoldDropdownAdmonitions)
    on_read: Callable[[Sphinx, nodes.document], None] = _warn_front_matter
    # after Sphinx's MetadataCollector (500) has read the front matter
    app.connect("doctree-read", on_read, priority=600)
