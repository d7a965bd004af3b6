"""Reference tables generated from the code, so the documentation cannot drift.

``.. grantreport-reference:: kpi-card`` (or ``kpi-figure``, ``config``,
``formats``, ``warnings``) renders a two-column table from the tables that the
package itself uses: directive ``option_help``, the settings dataclass,
``NAMED_FORMATS`` and ``SUBTYPES``.
"""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from sphinx_grantreport.card_grids import KpiCardsDirective
from sphinx_grantreport.cards import KpiCardDirective
from sphinx_grantreport.doctree import table_node
from sphinx_grantreport.errors import SUBTYPES
from sphinx_grantreport.fetch_command import add_fetch_command
from sphinx_grantreport.figures import KpiFigureDirective
from sphinx_grantreport.formatting import NAMED_FORMATS
from sphinx_grantreport.lock_file import LOCK_FILE, LockEntry
from sphinx_grantreport.page_sets import PAGE_FIELD_HELP
from sphinx_grantreport.project_file import SECTIONS
from sphinx_grantreport.settings import PREFIX, default_of, setting_fields
from sphinx_grantreport.source_definitions import SOURCE_FIELD_HELP
from sphinx_grantreport.sources import KpiSourcesDirective
from sphinx_grantreport.tables import KpiTableDirective


def _rows(topic: str) -> tuple[tuple[str, str], list[tuple[str, str]]]:
    if topic == "kpi-card":
        return ("Option", "Meaning"), [
            (f":{k}:", v) for k, v in KpiCardDirective.option_help.items()
        ]
    if topic == "kpi-figure":
        return ("Option", "Meaning"), [
            (f":{k}:", v) for k, v in KpiFigureDirective.option_help.items()
        ]
    if topic == "kpi-table":
        return ("Option", "Meaning"), [
            (f":{k}:", v) for k, v in KpiTableDirective.option_help.items()
        ]
    if topic == "kpi-cards":
        return ("Option", "Meaning"), [
            (f":{k}:", v) for k, v in KpiCardsDirective.option_help.items()
        ]
    if topic == "kpi-sources":
        return ("Option", "Meaning"), [
            (f":{k}:", v) for k, v in KpiSourcesDirective.option_help.items()
        ]
    if topic == "config":
        return ("Setting (default)", "Meaning"), [
            (f"{PREFIX}{spec.name} = {default_of(spec)!r}", spec.metadata["help"])
            for spec in setting_fields()
        ]
    if topic == "project-file":
        return ("Section", "Holds"), [
            (f"[{name}]", meaning) for name, meaning in SECTIONS.items()
        ]
    if topic == "page-set":
        return ("Field", "Holds"), list(PAGE_FIELD_HELP.items())
    if topic == "formats":
        return ("Format", "Meaning"), list(NAMED_FORMATS.items())
    if topic == "warnings":
        return ("Warning type", "Cause"), [
            (f"grantreport.{name}", cause) for name, cause in SUBTYPES.items()
        ]
    if topic == "source":
        return ("Field", "Holds"), [
            (name, _with_literals(meaning))
            for name, meaning in SOURCE_FIELD_HELP.items()
        ]
    if topic == "lock-file":
        return ("Field", "Holds"), _lock_rows()
    if topic == "fetch-command":
        return ("Argument", "Meaning"), _fetch_rows()
    raise ValueError(f"unknown reference topic {topic!r}")


def _with_literals(text: str) -> nodes.inline:
    """Help text with its `backticked` parts as code, so that they are
    shown as written (no smart quotes or dashes in `fetch --stale`)."""
    parts = text.split("`")
    inline = nodes.inline()
    for index, part in enumerate(parts):
        if part:
            is_code = index % 2 == 1 and index < len(parts) - 1
            inline += nodes.literal(part, part) if is_code else nodes.Text(part)
    return inline


#: What each field of a lock entry holds. LockEntry has no help of its own:
#: _lock_rows checks that this names exactly its fields, so that a field
#: added to the code and not here fails the docs build.
LOCK_FIELD_HELP = {
    "kind": "url, command or database: the kind of the source.",
    "fetched": "What was fetched: the URL, the command or the connection URI "
    "and the query, as written, with ${NAME} left unexpanded (a password "
    "written as user:password@ is shown as ***).",
    "snapshot": "The snapshot's file, relative to the folder of the lock file: "
    "always snapshots/NAME.parquet, which builds read whatever this says.",
    "fetched_at": "When the last fetch that worked began, in UTC to the second "
    "(ISO 8601). It moves on at every fetch, even when the data did not "
    "change.",
    "sha256": "The SHA-256 of the snapshot's file. A fetch that gives the "
    "same file leaves the snapshot untouched.",
    "rows": "The snapshot's number of rows.",
    "columns": "Each column's name and its type in the snapshot, such as "
    '["fees", "DECIMAL(12,2)"].',
    "format": "csv, json or parquet: what the url or command gave (null for "
    "a database).",
    "definition": "A hash of what decides the snapshot's content (the kind, "
    "URL, command or URI, query, driver, format and headers): when it no "
    "longer matches the source, the snapshot is stale.",
    "description": "The source's description, as written.",
}


def _lock_rows() -> list[tuple[str, str]]:
    fields = [field.name for field in dataclasses.fields(LockEntry)]
    if set(fields) != set(LOCK_FIELD_HELP):
        raise ValueError(
            f"the lock-file reference names {sorted(LOCK_FIELD_HELP)}, but "
            f"LockEntry has {sorted(fields)}: update LOCK_FIELD_HELP"
        )
    rows = [("version", f"The format of {LOCK_FILE} (1).")]
    return rows + [(f"sources.NAME.{name}", LOCK_FIELD_HELP[name]) for name in fields]


def _fetch_rows() -> list[tuple[str, str]]:
    """The fetch command's arguments, from its own argument parser."""
    parser = argparse.ArgumentParser(prog="sphinx-grantreport")
    commands = parser.add_subparsers()
    add_fetch_command(commands)
    rows = []
    for action in commands.choices["fetch"]._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        metavar = action.metavar or (action.dest.upper() if action.nargs != 0 else None)
        if action.option_strings:
            names = ", ".join(
                f"{option} {metavar}" if metavar else option
                for option in action.option_strings
            )
        else:
            names = f"{metavar} ..." if action.nargs == "*" else str(metavar)
        help_text = action.help or ""
        rows.append((names, help_text[:1].upper() + help_text[1:] + "."))
    return rows


class ReferenceTable(SphinxDirective):
    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        try:
            header, rows = _rows(self.arguments[0])
        except ValueError as exc:
            raise self.error(str(exc)) from None
        cells = [(nodes.literal(name, name), meaning) for name, meaning in rows]
        return [table_node(header, cells, ["grantreport-reference"], max_width=70)]


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("grantreport-reference", ReferenceTable)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
