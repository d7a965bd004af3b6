"""The title template of a card (``More than {value} communities``): a safe
subset of Python's format syntax. No Sphinx here."""

from __future__ import annotations

import string
from collections.abc import Collection

from .errors import ReportError

#: Fields a card title may use.
TITLE_FIELDS = ("value", "label")


def parse_template(
    template: str, fields: Collection[str] = TITLE_FIELDS
) -> list[tuple[str, str | None]]:
    """Split a title template into (literal text, field name or None) pairs.

    Only plain names from ``fields`` are accepted: no attribute or item
    access, no conversions, no format specs, so a template can never reach
    into Python objects.
    """
    allowed = ", ".join("{" + name + "}" for name in fields)
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ReportError(
            "template",
            f"bad title template {template!r}: {exc} (write {{{{ for a brace)",
        ) from None
    parts: list[tuple[str, str | None]] = []
    for literal, field, format_spec, conversion in parsed:
        if field is not None:
            if field not in fields:
                raise ReportError(
                    "template",
                    f"title field {{{field}}} is not allowed: "
                    f"a title may use {allowed}",
                )
            if format_spec or conversion:
                raise ReportError(
                    "template",
                    f"title field {{{field}}} takes no conversion or format spec: "
                    "use the :format: option",
                )
        parts.append((literal, field))
    return parts
