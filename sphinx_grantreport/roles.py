"""The ``{kpi}`` role: a computed value inside prose."""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxRole

from .build_state import get_session
from .errors import ReportError
from .provenance import record_value
from .report_warnings import warn
from .values import value_node


class KpiRole(SphinxRole):
    """``{kpi}`name```, ``{kpi}`name:format```, ``{kpi}`name[key]``` (one
    key of a keyed metric; ``[$hub]`` takes it from a parameter),
    ``{kpi}`name:list:3``` (the rows of a one-column query as a list),
    ``{kpi}`$param``` (a parameter's value) and, with a rounding of its own,
    ``{kpi}`name:format round=floor:0.1e6```.

    It uses the metric's own format and rounding unless the role gives its
    own, so the sentence under a card says exactly what the card says.
    """

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        from .formatting import parse_rounding
        from .role_text import parse_role_text

        location = (self.env.docname, self.lineno)
        shown = None
        try:
            asked = parse_role_text(self.text)
            if asked.rounding is not None:
                # checked here: an empty "round=" would leave the metric's own
                parse_rounding(asked.rounding)
        except ReportError as error:
            warn(error, location)
            record_value(self.env, location, self.text, None, None, error.message)
        else:
            session = get_session(self.env)
            if asked.name.startswith("$"):
                shown = session.show_param(
                    self.env, location, asked.name[1:], asked.format_spec
                )
            else:
                shown = session.show(
                    self.env,
                    location,
                    metric=asked.name,
                    key=asked.key,
                    format_spec=None if asked.as_list else asked.format_spec,
                    rounding=asked.rounding,
                    as_list=asked.as_list,
                    list_limit=asked.list_limit,
                )
        node = value_node(shown)
        self.set_source_info(node)
        return [node], []


def setup_roles(app: Sphinx) -> None:
    app.add_role("kpi", KpiRole())
