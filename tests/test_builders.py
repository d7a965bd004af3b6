"""Every builder handles every node of the package, warning-free."""

from __future__ import annotations

import pytest

BUILDERS = [
    "html", "dirhtml", "singlehtml", "epub", "latex", "text", "man", "texinfo",
    "gettext", "xml", "pseudoxml", "linkcheck",
]  # fmt: skip


@pytest.fixture
def every_node(project):
    return project("every-node")


@pytest.mark.parametrize("builder", BUILDERS)
def test_builder_handles_every_node(every_node, builder):
    every_node.build(builder)
    assert every_node.warnings == "", every_node.warnings
