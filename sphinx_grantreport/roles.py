"""The ``{kpi}`` role: a computed value inside prose."""

from __future__ import annotations

import re
from dataclasses import dataclass

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
_ROUND_OPTION_RE = re.compile(r"\s+round=(?P<rounding>\S*)\s*$")
#: ``name``, ``name[key]`` or ``$param``, then ``:format``: a name holds no
#: ``[``, ``:`` or space, and a key no ``]``.
_NAME_RE = re.compile(r"^(?P<name>\$?[^\[\]:\s]+)(?:\[(?P<key>[^\]]*)\])?(?::|$)")
#: ``:list`` or ``:list:N`` in place of a format: the rows as a list.
_LIST_RE = re.compile(r"^list(?::(?P<limit>\d+))?$")


@dataclass(frozen=True)
class RoleText:
    """What a ``{kpi}`` role asks for."""

    name: str
    key: str | None = None
    format_spec: str | None = None
    rounding: str | None = None

    @property
    def list_limit(self) -> int | None:
        match = _LIST_RE.match(self.format_spec or "")
        return int(match["limit"]) if match and match["limit"] else None

    @property
    def as_list(self) -> bool:
        return _LIST_RE.match(self.format_spec or "") is not None


def parse_role_text(text: str) -> RoleText:
    """``name``, ``name[key]``, ``$param``, each with an optional
    ``:format`` (or ``:list``, ``:list:N``) and `` round=RULE``."""
    text = text.strip()
    rounding = None
    if match := _ROUND_OPTION_RE.search(text):
        rounding = match["rounding"]
        text = text[: match.start()]
    named = _NAME_RE.match(text)
    if named is None:
        raise ReportError(
            "option",
            f"cannot read {{kpi}}`{text}`: write name, name[key] or $param, "
            "then :format if any",
        )
    format_spec = text[named.end() :].strip() or None
    return RoleText(named["name"], named["key"], format_spec, rounding)


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
