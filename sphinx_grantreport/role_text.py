"""What a ``{kpi}`` role asks for, read from its text: the same syntax under
Sphinx and under the MyST Document Engine. No Sphinx here."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import ReportError
from .metrics import key_text

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


def resolve_key_text(text: str, params: Mapping[str, Any]) -> tuple[str, ...]:
    """``utoronto``, ``$hub`` or ``2023, $hub``: the key a page picks, with
    each ``$name`` taken from the parameters."""
    key = []
    for part in (part.strip() for part in text.split(",")):
        if part.startswith("$"):
            name = part[1:]
            if name not in params:
                known = ", ".join(f"${n}" for n in params)
                raise ReportError(
                    "param",
                    f"key {part} names a parameter that is not defined "
                    f"(defined: {known or 'none'})",
                )
            part = key_text(params[name])
        if not part:
            raise ReportError("key", f"empty key in [{text}]")
        key.append(part)
    return tuple(key)
