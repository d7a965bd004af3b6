"""One page per row: a ``[pages.NAME]`` set of the project file, and the
pages its query's rows make. No Sphinx here: the Sphinx layer
(:mod:`.entity_pages`) turns each page into a document, and another engine
could do the same."""

from __future__ import annotations

import hashlib
import json
import re
import string
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import ReportError

#: Fields of a ``[pages.NAME]`` table, and what each holds.
PAGE_FIELD_HELP = {
    "sql": "A query with one row per page; its columns are the page's parameters.",
    "template": "The MyST or reST file each page is written from, relative to "
    "the source folder, in a folder of exclude_patterns (never a page itself).",
    "path": "The page's name, a pattern over the row's columns "
    "(communities/{hub}); each value made safe for URLs and file systems.",
    "title": "The page's title, a pattern over the row's columns ({name}).",
    "index": "Optional: the name of a page listing every page of the set "
    "(communities/index).",
    "index_title": "The index page's title.",
    "pdf": "one (default): the pages are part of the report's PDF; each: also "
    "a PDF of its own for each page.",
}
PAGE_FIELDS = tuple(PAGE_FIELD_HELP)
#: How the pages of a set go into a PDF: chapters of the report's PDF, or
#: one PDF of their own each.
PDF_FORMS = ("one", "each")
#: The most pages one set makes: each is a document Sphinx reads and writes.
MAX_PAGES = 10_000
_PARAM_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LITERAL_RE = re.compile(r"^[A-Za-z0-9/_.-]*$")


@dataclass(frozen=True)
class PageSet:
    """``[pages.hubs]``: a page per row of ``sql``, written from ``template``
    (a MyST or reST file that is never a page itself) at ``path``."""

    name: str
    sql: str
    template: str
    path: str
    title: str
    index: str | None = None
    index_title: str | None = None
    pdf: str = "one"

    @classmethod
    def from_config(cls, name: str, raw: object) -> PageSet:
        if not isinstance(raw, Mapping):
            raise ReportError("config", f"[pages.{name}] must be a table of fields")
        unknown = sorted(set(raw) - set(PAGE_FIELDS))
        if unknown:
            raise ReportError(
                "config",
                f"[pages.{name}] has unknown field(s) {', '.join(unknown)}; "
                f"fields: {', '.join(PAGE_FIELDS)}",
            )
        missing = [
            key for key in ("sql", "template", "path", "title") if key not in raw
        ]
        if missing:
            raise ReportError("config", f"[pages.{name}] needs {', '.join(missing)}")
        for key, value in raw.items():
            if not isinstance(value, str) or not value.strip():
                raise ReportError(
                    "config", f"[pages.{name}] {key} must be a non-empty string"
                )
        if raw.get("pdf", "one") not in PDF_FORMS:
            raise ReportError(
                "config", f"[pages.{name}] pdf must be one of {', '.join(PDF_FORMS)}"
            )
        for key in ("path", "index"):
            literal = "".join(part for part, _ in _fields(raw.get(key) or "", name))
            if not _LITERAL_RE.match(literal) or ".." in literal.split("/"):
                raise ReportError(
                    "config",
                    f"[pages.{name}] {key} {raw[key]!r} may hold letters, digits, "
                    "'/', '_', '-' and '.' around its {fields}",
                )
        template = raw["template"].strip().lstrip("/")
        if ".." in template.split("/"):
            raise ReportError(
                "config",
                f"[pages.{name}] template {template!r} must be inside the source "
                "directory",
            )
        return cls(
            name=name,
            sql=raw["sql"],
            template=template,
            path=raw["path"].strip().strip("/"),
            title=raw["title"],
            index=(raw.get("index") or "").strip().strip("/") or None,
            index_title=raw.get("index_title"),
            pdf=raw.get("pdf", "one"),
        )

    def fields(self) -> set[str]:
        """The columns its path and title patterns use."""
        return {
            field
            for pattern in (self.path, self.title)
            for _, field in _fields(pattern, self.name)
            if field is not None
        }


@dataclass(frozen=True)
class EntityPage:
    """One page of a set: its document name, title and parameters (the
    row's columns), and a hash of its row (a changed row rebuilds its page)."""

    set_name: str
    docname: str
    title: str
    params: Mapping[str, Any] = field(default_factory=dict)
    digest: str = ""


def slug(value: object) -> str:
    """A value as a safe path segment: ``Université de Montréal`` is
    ``universite-de-montreal``."""
    text = unicodedata.normalize("NFKD", str(value))
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def expand(
    pages: PageSet, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> tuple[list[EntityPage], list[str]]:
    """The pages of a set from its query's rows, and what is wrong on the way
    (each row that cannot be a page is left out, with why)."""
    problems: list[str] = []
    unknown = sorted(pages.fields() - set(columns))
    if unknown:
        fields = ", ".join("{" + name + "}" for name in unknown)
        return [], [
            f"[pages.{pages.name}] path or title uses {fields}, which its query "
            f"does not return (columns: {', '.join(columns)})"
        ]
    if not rows:
        return [], [f"[pages.{pages.name}] query returns no row: no page is made"]
    if len(rows) > MAX_PAGES:
        return [], [
            f"[pages.{pages.name}] query returns {len(rows):,} rows; a page set "
            f"makes at most {MAX_PAGES:,} pages (no page is made)"
        ]
    bad = [column for column in columns if not _PARAM_RE.match(column)]
    if bad:
        problems.append(
            f"[pages.{pages.name}] column(s) {', '.join(map(repr, bad))} cannot be "
            "parameters ($name takes letters, digits and _): rename them with AS"
        )
    made: dict[str, EntityPage] = {}
    for row in rows:
        values = dict(zip(columns, row, strict=True))
        docname = _fill(pages.path, values, slug)
        if any(not segment for segment in docname.split("/")):
            problems.append(
                f"[pages.{pages.name}] a row gives the path {docname!r}, with an "
                "empty part: it is left out"
            )
            continue
        if docname in made:
            problems.append(
                f"[pages.{pages.name}] two rows give the path {docname!r}: the "
                "second is left out (make the path pattern tell them apart)"
            )
            continue
        params = {name: value for name, value in values.items() if name not in bad}
        digest = hashlib.sha256(
            json.dumps([columns, list(row)], default=str).encode()
        ).hexdigest()
        made[docname] = EntityPage(
            pages.name,
            docname,
            _fill(
                pages.title, values, lambda value: "" if value is None else str(value)
            ),
            params,
            digest,
        )
    return list(made.values()), problems


def _fields(pattern: str, name: str) -> list[tuple[str, str | None]]:
    """A pattern's (literal, field) parts: plain names only, as card titles."""
    try:
        parsed = list(string.Formatter().parse(pattern))
    except ValueError as exc:
        raise ReportError(
            "config", f"[pages.{name}] bad pattern {pattern!r}: {exc}"
        ) from None
    parts = []
    for literal, field_name, spec, conversion in parsed:
        if field_name is not None and (
            spec or conversion or not _PARAM_RE.match(field_name)
        ):
            raise ReportError(
                "config",
                f"[pages.{name}] pattern {pattern!r}: {{{field_name}}} must be a "
                "plain column name",
            )
        parts.append((literal, field_name))
    return parts


def _fill(pattern: str, values: Mapping[str, Any], shown: Any) -> str:
    return "".join(
        literal + (shown(values[name]) if name is not None else "")
        for literal, name, _, _ in string.Formatter().parse(pattern)
    )
