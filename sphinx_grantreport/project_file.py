"""``grantreport.toml`` (or ``grantreport.yaml``): the report's data
definitions in one file beside conf.py, readable without Sphinx, so that every
engine and command reads the same params, tables, settings and metrics.

Also the flat metrics file of ``grantreport_metrics_file`` (``name -> metric``),
which keeps working.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from .errors import Problem, ReportError
from .settings import SECTIONED, ReportSettings

#: The project file's names, in the order they are looked for.
PROJECT_FILES = ("grantreport.toml", "grantreport.yaml", "grantreport.yml")

#: Sections of the project file and what each holds.
SECTIONS = {
    "params": "query parameters, bound as $name",
    "tables": "table name -> data file, adding to or renaming the data/ files",
    "settings": "the grantreport_* settings, without the prefix",
    "metrics": "named metrics, one [metrics.NAME] table each",
    "views": "named queries used like tables, one [views.NAME] table each (sql)",
    "sources": "where a table really comes from, one [sources.NAME] table "
    "each (url, command, or database and sql): fetched into a snapshot",
    "pages": "one page per row of a query, one [pages.NAME] table each (sql, "
    "template, path, title, and optionally index, index_title, pdf)",
}


@dataclass(frozen=True)
class ProjectFile:
    """The definitions of a project file, as written (checked for shape only:
    the metrics themselves are checked by ``MetricDefinition``)."""

    path: Path | None = None
    params: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, str] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    views: dict[str, Any] = field(default_factory=dict)
    pages: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, Any] = field(default_factory=dict)
    #: "metrics.NAME" (or a section name) -> the line it starts on
    lines: dict[str, int] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()

    def where(self, key: str) -> tuple[str | None, int | None]:
        """The file and line of a section or metric, for a warning."""
        return (str(self.path) if self.path else None), self.lines.get(key)


def find_project_file(directory: Path) -> Path | None:
    """The project file in ``directory``, if it has one."""
    for name in PROJECT_FILES:
        if (directory / name).is_file():
            return directory / name
    return None


def read_project_file(path: Path) -> ProjectFile:
    """Read and check the sections of a project file; every mistake is a
    :class:`Problem` at the file (and line, where it can be found)."""
    problems: list[Problem] = []

    def problem(message: str, key: str | None = None, line: int | None = None) -> None:
        if line is None and key is not None:
            line = lines.get(key)
        problems.append(Problem(ReportError("config", message), str(path), line))

    lines: dict[str, int] = {}
    content = _read_mapping(path, problems)
    if content is None:
        return ProjectFile(path, problems=tuple(problems))
    text = path.read_text(encoding="utf-8", errors="replace")
    lines = _section_lines(text, content, path.suffix.lower() == ".toml")
    sections: dict[str, dict[str, Any]] = {}
    for name, section in content.items():
        if name not in SECTIONS:
            known = ", ".join(f"[{known}]" for known in SECTIONS)
            problem(f"unknown section [{name}]; sections: {known}", name)
        elif not isinstance(section, dict):
            problem(f"[{name}] must be a table, not {type(section).__name__}", name)
        else:
            sections[name] = section
    tables = {}
    for name, value in sections.get("tables", {}).items():
        if isinstance(value, str):
            tables[name] = value
        else:
            problem(f"[tables] {name} must be a file path (a string)", "tables")
    settings = {}
    known_settings = {f.name for f in fields(ReportSettings)} - set(SECTIONED)
    for name, value in sections.get("settings", {}).items():
        if name in SECTIONED:
            problem(
                f"[settings] {name}: use the [{SECTIONED[name]}] section", "settings"
            )
        elif name not in known_settings:
            problem(
                f"unknown setting {name!r} in [settings]; settings: "
                + ", ".join(sorted(known_settings)),
                "settings",
            )
        else:
            settings[name] = value
    for spec_problem in ReportSettings.from_values(settings).problems(str(path)):
        message = spec_problem.error.message.replace("grantreport_", "[settings] ")
        problem(message, "settings")
        name = message.split()[1]
        settings.pop(name, None)  # the default applies, as for conf.py
    return ProjectFile(
        path,
        params=sections.get("params", {}),
        tables=tables,
        settings=settings,
        metrics=sections.get("metrics", {}),
        views=sections.get("views", {}),
        pages=sections.get("pages", {}),
        sources=sections.get("sources", {}),
        lines=lines,
        problems=tuple(problems),
    )


def read_metrics_file(path: Path) -> ProjectFile:
    """The flat metrics file of ``grantreport_metrics_file``: a table of
    metrics only, as ``[metrics]`` of a project file."""
    problems: list[Problem] = []
    suffix = path.suffix.lower()
    if suffix not in (".toml", ".yaml", ".yml"):
        error = "grantreport_metrics_file must be a .toml, .yaml or .yml file"
        return ProjectFile(path, problems=(Problem(ReportError("config", error)),))
    content = _read_mapping(path, problems, "metrics file")
    if content is None:
        return ProjectFile(path, problems=tuple(problems))
    text = path.read_text(encoding="utf-8", errors="replace")
    lines = _section_lines(text, {"metrics": content}, suffix == ".toml", flat=True)
    return ProjectFile(path, metrics=content, lines=lines, problems=tuple(problems))


def _read_mapping(
    path: Path, problems: list[Problem], what: str | None = None
) -> dict[str, Any] | None:
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix.lower() == ".toml":
            content = tomllib.loads(text)
        else:
            content = yaml.safe_load(text)
            content = {} if content is None else content
    except (
        OSError,
        UnicodeDecodeError,
        tomllib.TOMLDecodeError,
        yaml.YAMLError,
    ) as exc:
        mark = getattr(exc, "problem_mark", None)
        found = re.search(r"at line (\d+)", str(exc))  # tomllib's position
        line = mark.line + 1 if mark else int(found[1]) if found else None
        message = " ".join(str(exc).split())
        error = ReportError("config", f"cannot read {what or path.name}: {message}")
        problems.append(Problem(error, str(path), line))
        return None
    if not isinstance(content, dict):
        error = ReportError("config", f"{path.name} must be a table of sections")
        problems.append(Problem(error, str(path), 1))
        return None
    return content


def _section_lines(
    text: str, content: dict[str, Any], toml: bool, flat: bool = False
) -> dict[str, int]:
    """The line of each section and metric: TOML and YAML parsers give values
    no positions, so their headers are found in the text."""
    lines: dict[str, int] = {}
    keys = [*content]
    for section in ("metrics", "views", "pages", "sources"):
        entries = content.get(section)
        if isinstance(entries, dict):
            keys += [f"{section}.{name}" for name in entries]
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        for name in keys:
            if name in lines:
                continue
            short = name.removeprefix("metrics.") if flat else name
            if toml:
                header = re.escape(short).replace(r"\.", r"\s*\.\s*")
                if re.fullmatch(rf"\[\s*{header}\s*\]\s*(#.*)?", stripped):
                    lines[name] = number
            else:
                indent = len(line) - len(line.lstrip())
                key = short.rsplit(".", 1)[-1]
                nested = "." in short
                if (indent > 0) == nested and re.match(
                    rf"""["']?{re.escape(key)}["']?\s*:""", stripped
                ):
                    lines[name] = number
    return lines
