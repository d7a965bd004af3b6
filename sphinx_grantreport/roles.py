"""The ``{kpi}`` role: a computed value inside prose."""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxRole

from .session import get_session
from .values import value_node


class KpiRole(SphinxRole):
    """``{kpi}`name``` or ``{kpi}`name:format```: the metric's formatted value.

    It uses the metric's own format and rounding unless a format is given,
    so the sentence under a card says exactly what the card says.
    """

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        name, _, format_spec = self.text.strip().partition(":")
        shown = get_session(self.env).show(
            self.env,
            (self.env.docname, self.lineno),
            metric=name.strip(),
            format_spec=format_spec.strip() or None,
        )
        node = value_node(shown)
        self.set_source_info(node)
        return [node], []


def setup_roles(app: Sphinx) -> None:
    app.add_role("kpi", KpiRole())
