"""The ``{kpi}`` role: a computed value inside prose."""

from __future__ import annotations

import re

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxRole

from .errors import ReportError
from .formatting import parse_rounding
from .provenance import record_value
from .report_warnings import warn
from .session import get_session
from .values import value_node

#: `` round=RULE`` at the end of the role's text. It cannot clash with the
#: format before it: a metric name and a named format hold no space, and a
#: Python spec holds one only as its fill or sign, and never "round=" (a
#: letter in it is the fill, before an align sign, the ``z`` or the type).
#: ``[`` and ``$`` stay free for the planned ``name[key]`` and ``$param``.
_ROUND_OPTION_RE = re.compile(r"\s+round=(?P<rounding>\S*)\s*$")


def parse_role_text(text: str) -> tuple[str, str | None, str | None]:
    """``name``, ``name:format``, ``name round=RULE`` or
    ``name:format round=RULE``: the metric's name, the format and the
    rounding (None where the role leaves the metric's own)."""
    text = text.strip()
    rounding = None
    if match := _ROUND_OPTION_RE.search(text):
        rounding = match["rounding"]
        text = text[: match.start()]
    name, _, format_spec = text.partition(":")
    return name.strip(), format_spec.strip() or None, rounding


class KpiRole(SphinxRole):
    """``{kpi}`name```, ``{kpi}`name:format``` or, with a rounding of its
    own, ``{kpi}`name:format round=floor:0.1e6```: the metric's value.

    It uses the metric's own format and rounding unless the role gives its
    own, so the sentence under a card says exactly what the card says.
    """

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        name, format_spec, rounding = parse_role_text(self.text)
        location = (self.env.docname, self.lineno)
        shown = None
        try:
            if rounding is not None:
                # checked here: an empty "round=" would leave the metric's own
                parse_rounding(rounding)
        except ReportError as error:
            warn(error, location)
            record_value(self.env, location, name, None, None, error.message)
        else:
            shown = get_session(self.env).show(
                self.env,
                location,
                metric=name,
                format_spec=format_spec,
                rounding=rounding,
            )
        node = value_node(shown)
        self.set_source_info(node)
        return [node], []


def setup_roles(app: Sphinx) -> None:
    app.add_role("kpi", KpiRole())
