"""``sphinx-grantreport diff OLD NEW``: what :mod:`.kpi_changes` found, as
plain text or as Markdown for a pull-request comment, and the command.

Markdown is written so that no text from the data can make a link, an image,
HTML or a new table cell: labels have their punctuation escaped, texts are
code spans.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import TextIO

from .kpi_changes import (
    KIND_NAMES,
    Change,
    Changes,
    KpisFileError,
    compare,
    one_line,
    read_entries,
)

_MARKDOWN_PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]")


def _summary(changes: Changes) -> str:
    if not changes.changes:
        return f"No numbers, charts or tables changed ({changes.compared} compared)."
    return (
        f"{len(changes.changes)} of {changes.compared} numbers, charts and "
        "tables changed:"
    )


def _title(change: Change) -> str:
    kind = KIND_NAMES.get(change.kind)
    return f'{kind} "{change.name}"' if kind else change.name


def _shown(texts: tuple[str, ...]) -> str:
    return " / ".join(one_line(text) for text in texts)


def as_text(changes: Changes) -> str:
    """The changes by page, one line each, for a terminal or a CI log."""
    lines = [_summary(changes)]
    for page, found in changes.by_page().items():
        lines.append(one_line(page) or "(no page)")
        for change in found:
            lines.append(f"  {_title(change)}: {_text_line(change)}{_also_on(change)}")
    return "\n".join(lines)


def _text_line(change: Change) -> str:
    old, new = _shown(change.old), _shown(change.new)
    if change.what == "added":
        return f"{new} (added)"
    if change.what == "removed":
        return f"{old} (removed)"
    if change.what == "data changed":
        return "data changed" + (f" ({old} → {new})" if old != new else "")
    if change.what == "unavailable":
        return f"{old} → {new} (now an error: {one_line(change.error or '')})"
    if change.what == "fixed":
        return f"{old} → {new} (fixed)"
    return f"{old} → {new}" + (f" ({change.delta})" if change.delta else "")


def _also_on(change: Change) -> str:
    if not change.also_on:
        return ""
    return ", also on " + ", ".join(one_line(page) for page in change.also_on)


def as_markdown(changes: Changes) -> str:
    """The changes by page as Markdown tables, for a pull-request comment.
    Every text from the report is escaped or shown as code: none can end a
    cell or make a link, image or HTML."""
    if not changes.changes:
        return _summary(changes)
    lines = [f"**{_summary(changes)}**"]
    for page, found in changes.by_page().items():
        lines += ["", f"#### {_markdown(page) or '(no page)'}", ""]
        lines += ["| Number | Old | New | Change |", "| --- | --- | --- | --- |"]
        for change in found:
            name = _markdown(_title(change))
            if change.also_on:
                name += f" (also on {_markdown(', '.join(change.also_on))})"
            old = ", ".join(_code(text) for text in change.old)
            new = ", ".join(_code(text) for text in change.new)
            lines.append(f"| {name} | {old} | {new} | {_markdown_change(change)} |")
    return "\n".join(lines)


def _markdown_change(change: Change) -> str:
    if change.what == "unavailable":
        return "now an error: " + _markdown(change.error or "")
    if change.what == "changed":
        return _markdown(change.delta or "changed")
    return change.what


def _markdown(text: str) -> str:
    """Text as literal Markdown: each ASCII punctuation character escaped, and
    an @ as code (GitHub links an address even when escaped)."""
    return _MARKDOWN_PUNCTUATION.sub(
        lambda match: "`@`" if match[0] == "@" else "\\" + match[0], one_line(text)
    )


def _code(text: str) -> str:
    """Text as a code span in a table cell: nothing in it is markup but a
    pipe, which is escaped; the fence is longer than any run of backticks."""
    text = one_line(text).replace("|", "\\|")
    if not text:
        return ""
    fence = "`" * (max(map(len, re.findall("`+", text)), default=0) + 1)
    return f"{fence} {text} {fence}" if "`" in text else f"{fence}{text}{fence}"


def add_diff_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """``diff OLD NEW [--format text|markdown] [--check]``."""
    diff = commands.add_parser(
        "diff",
        help="show which numbers, charts and tables changed between two kpis builds",
        description="Compare two outputs of 'sphinx-build -b kpis' (a directory "
        "or its kpis.json) and print, by page, each number, chart and table "
        "readers see differently, old and new.",
    )
    diff.add_argument("old", type=Path, metavar="OLD", help="the kpis output before")
    diff.add_argument("new", type=Path, metavar="NEW", help="the kpis output after")
    diff.add_argument(
        "--format",
        choices=("text", "markdown"),
        default="text",
        help="plain text, or Markdown for a pull-request comment (default: text)",
    )
    diff.add_argument(
        "--check",
        action="store_true",
        help="exit with status 1 when anything changed",
    )
    diff.set_defaults(func=run_diff)


def run_diff(args: argparse.Namespace) -> int:
    """Print the changes; 1 with ``--check`` when there are some, 2 (and one
    line on stderr) when a file is not a ``kpis.json`` list."""
    try:
        old, new = read_entries(args.old), read_entries(args.new)
    except KpisFileError as error:
        _write(f"sphinx-grantreport diff: {one_line(str(error), None)}", sys.stderr)
        return 2
    changes = compare(old, new)
    _write(as_markdown(changes) if args.format == "markdown" else as_text(changes))
    return 1 if args.check and changes.changes else 0


def _write(text: str, stream: TextIO | None = None) -> None:
    """Print, with what the terminal cannot show replaced (not a traceback)."""
    stream = stream or sys.stdout
    encoding = getattr(stream, "encoding", None) or "utf-8"
    stream.write(text.encode(encoding, "replace").decode(encoding) + "\n")
