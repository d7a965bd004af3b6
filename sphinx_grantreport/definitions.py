"""A report's definitions resolved from its settings and project file: the
params, tables and metrics every engine and command computes with. No Sphinx.

conf.py's values win over the project file's, entry by entry, so a report can
move to grantreport.toml one piece at a time.
"""

from __future__ import annotations

import datetime
import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any

from babel import Locale

from .datafiles import DataFiles, discover_tables, with_snapshots
from .engine import EngineLimits, QueryEngine
from .errors import Problem, ReportError
from .formatting import NumberStyle, parse_locale
from .lock_file import LOCK_FILE, Lock, LockEntry, read_lock
from .metric_definitions import MetricDefinition
from .page_sets import PageSet
from .project_file import ProjectFile, read_metrics_file
from .settings import ReportSettings
from .source_definitions import SourceDefinition

#: What DuckDB binds as a typed value; anything else is refused.
PARAM_TYPES: tuple[type, ...] = (str, int, float, Decimal, bool, bytes, type(None))
PARAM_TYPES += (uuid.UUID, datetime.date, datetime.time, datetime.timedelta)


@dataclass(frozen=True)
class ReportDefinitions:
    """Everything a build computes with, checked; :attr:`data` (a walk of
    ``data/``) and :attr:`locale` are resolved when first used."""

    srcdir: Path
    settings: ReportSettings = field(default_factory=ReportSettings)
    params: dict[str, Any] = field(default_factory=dict)
    declared_tables: dict[str, Path] = field(default_factory=dict)
    metrics: dict[str, MetricDefinition] = field(default_factory=dict)
    #: named queries used like tables: name -> SQL
    views: dict[str, str] = field(default_factory=dict)
    #: sets of pages, one page per row of a query
    page_sets: dict[str, PageSet] = field(default_factory=dict)
    #: where tables really come from, fetched into snapshots
    sources: dict[str, SourceDefinition] = field(default_factory=dict)
    #: each source's entry in the project file (file, line), for warnings
    source_places: dict[str, tuple[str | None, int | None]] = field(
        default_factory=dict
    )
    #: the folder of the project file: its lock file and snapshots are there
    base: Path | None = None
    #: the project file and the metrics file: every value depends on them
    files: tuple[Path, ...] = ()
    language: str | None = None
    chart_styles: tuple[str | Path, ...] = ()

    @cached_property
    def data(self) -> DataFiles:
        """The report's tables (``data/`` files, declared ones, snapshots)."""
        found = discover_tables(self.srcdir, self.declared_tables)
        if not self.sources:
            return found
        return with_snapshots(
            found, self.sources, self.snapshots, self.base_dir, self.lock.problem
        )

    @property
    def base_dir(self) -> Path:
        return self.base or self.srcdir

    @cached_property
    def lock(self) -> Lock:
        """The lock file's entries (read only for a report with sources)."""
        if not self.sources:
            return Lock()
        return read_lock(self.base_dir / LOCK_FILE)

    @property
    def snapshots(self) -> dict[str, LockEntry]:
        """Each source's lock entry, where it has one."""
        return {
            name: entry
            for name, entry in self.lock.entries.items()
            if name in self.sources
        }

    @property
    def tables(self) -> dict[str, Path]:
        return self.data.tables

    @cached_property
    def locale_problem(self) -> ReportError | None:
        """Why Sphinx's language cannot format numbers (English is used then)."""
        try:
            parse_locale(self.language)
        except ReportError as error:
            return error
        return None

    @cached_property
    def locale(self) -> Locale:
        try:
            return parse_locale(self.language)
        except ReportError:
            return parse_locale("en")

    def open_engine(self, spill_dir: Path | None = None) -> QueryEngine:
        """A query engine over the report's tables, within its settings'
        limits (DuckDB itself opens on the first query)."""
        settings = self.settings
        return QueryEngine(
            self.tables,
            self.srcdir,
            self.params,
            settings.timeout,
            EngineLimits(
                memory_limit=settings.value("memory_limit"),
                threads=settings.threads_count,
                spill_dir=spill_dir,
                max_spill=settings.value("max_spill"),
                timezone=settings.value("timezone"),
            ),
            blocked=self.data.refused,
            views=self.views,
            origins=self.snapshots,
        )

    @cached_property
    def numbers(self) -> NumberStyle:
        """The locale and currency that every number of the report is shown in."""
        return NumberStyle(self.locale, self.settings.value("currency"))


def resolve(
    srcdir: Path,
    confdir: Path,
    settings: ReportSettings,
    project: ProjectFile,
    language: str | None = None,
) -> tuple[ReportDefinitions, list[Problem]]:
    """Merge conf.py's settings with the project file into checked definitions,
    and list every problem found on the way."""
    srcdir = srcdir.resolve()
    problems: list[Problem] = []  # the project file's own were reported
    files = [project.path] if project.path else []

    raw_metrics: dict[str, tuple[Any, tuple[str | None, int | None]]] = {}
    sources = [project]
    if metrics_file := settings.value("metrics_file"):
        flat = read_metrics_file((confdir / metrics_file).resolve())
        problems += flat.problems
        files.append((confdir / metrics_file).resolve())
        sources.insert(0, flat)
    for source in sources:
        for name, entry in source.metrics.items():
            if name in raw_metrics:
                problems.append(_twice(name, source, raw_metrics[name][1]))
            raw_metrics[name] = (entry, source.where(f"metrics.{name}"))
    for name, entry in settings.value("metrics").items():
        if name in raw_metrics:
            file, _ = raw_metrics[name][1]
            problems.append(
                Problem(
                    ReportError(
                        "config",
                        f"metric {name!r} is defined in conf.py and in "
                        f"{Path(file or '').name}; using conf.py",
                    ),
                    *raw_metrics[name][1],
                )
            )
        raw_metrics[name] = (entry, (None, None))
    metrics = {}
    for name, (entry, (file, line)) in raw_metrics.items():
        try:
            metrics[name] = MetricDefinition.from_config(name, entry)
        except ReportError as error:
            problems.append(Problem(error, file, line))

    params = _params(
        {**project.params, **settings.value("params")},
        problems,
        project.where("params"),
    )
    tables = _tables(
        srcdir,
        {**project.tables, **settings.value("data")},
        problems,
        project.where("tables"),
    )
    views = _views(
        {**project.views, **settings.value("views")}, tables, problems, project
    )
    report_sources = _sources(project, {**tables, **views}, problems)
    page_sets = {}
    for name, entry in project.pages.items():
        try:
            page_sets[name] = PageSet.from_config(name, entry)
        except ReportError as error:
            problems.append(Problem(error, *project.where(f"pages.{name}")))
    definitions = ReportDefinitions(
        srcdir=srcdir,
        page_sets=page_sets,
        settings=settings,
        params=params,
        declared_tables=tables,
        metrics=metrics,
        views=views,
        sources={source.name: source for source in report_sources.values()},
        source_places={
            source.name: project.where(f"sources.{name}")
            for name, source in report_sources.items()
        },
        base=project.path.parent.resolve() if project.path else None,
        files=tuple(files),
        language=language,
        chart_styles=settings.chart_styles(confdir),
    )
    return definitions, problems


def _twice(
    name: str, source: ProjectFile, first: tuple[str | None, int | None]
) -> Problem:
    file, line = source.where(f"metrics.{name}")
    message = (
        f"metric {name!r} is defined in {Path(first[0] or '').name} and in "
        f"{Path(file or '').name}; using {Path(file or '').name}"
    )
    return Problem(ReportError("config", message), file, line)


def _params(
    value: dict[str, Any], problems: list[Problem], where: tuple[str | None, int | None]
) -> dict[str, Any]:
    """The parameters that can be bound, with a problem for each other one.

    Values are only ever bound, never pasted into SQL, so a string cannot
    inject; this check turns a value DuckDB cannot bind into a clear message.
    """
    params = {}
    for name, param in value.items():
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_]\w*", name):
            problem = f"name {name!r} cannot be written as $name in SQL"
        elif not _bindable(param):
            problem = (
                f"{name!r} is a {type(param).__name__}: use strings, numbers, "
                "booleans, None, dates and times, or lists and dicts of them"
            )
        else:
            params[name] = param
            continue
        error = ReportError("config", f"grantreport_params: {problem}")
        problems.append(Problem(error, *where))
    return params


def _bindable(value: object) -> bool:
    if isinstance(value, list | tuple):
        return all(_bindable(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _bindable(v) for k, v in value.items())
    return isinstance(value, PARAM_TYPES)


def _tables(
    srcdir: Path,
    declared: dict[str, Any],
    problems: list[Problem],
    where: tuple[str | None, int | None],
) -> dict[str, Path]:
    tables = {}
    for name, relative in declared.items():
        if not isinstance(name, str) or not name.isidentifier():
            error = ReportError(
                "config",
                f"grantreport_data: table name {name!r} is not an SQL identifier "
                "(letters, digits and _ only)",
            )
            problems.append(Problem(error, *where))
            continue
        tables[name.lower()] = (srcdir / str(relative)).resolve()
    return tables


def _views(
    declared: dict[str, Any],
    tables: dict[str, Path],
    problems: list[Problem],
    project: ProjectFile,
) -> dict[str, str]:
    """``[views.NAME]`` tables with an ``sql`` (or conf.py's name -> SQL)."""
    views = {}
    for name, entry in declared.items():
        where = project.where(f"views.{name}")
        sql = entry.get("sql") if isinstance(entry, dict) else entry
        extra = (
            sorted(set(entry) - {"sql", "description"})
            if isinstance(entry, dict)
            else []
        )
        if not isinstance(name, str) or not name.isidentifier():
            problem = f"view name {name!r} is not an SQL identifier"
        elif not isinstance(sql, str) or not sql.strip():
            problem = f"view {name!r} needs an sql query (a string)"
        elif extra:
            problem = (
                f"view {name!r} has unknown field(s) {', '.join(extra)}; "
                "fields: sql, description"
            )
        elif name.lower() in tables:
            problem = f"view {name!r} has the name of a table; rename one of them"
        else:
            views[name.lower()] = sql
            continue
        problems.append(Problem(ReportError("config", problem), *where))
    return views


def _sources(
    project: ProjectFile, taken: dict[str, Any], problems: list[Problem]
) -> dict[str, SourceDefinition]:
    """``[sources.NAME]``: each one a table, whose name no other table or
    view may have (by the name as written)."""
    found = {}
    for name, entry in project.sources.items():
        where = project.where(f"sources.{name}")
        try:
            source = SourceDefinition.from_config(name, entry)
        except ReportError as error:
            problems.append(Problem(error, *where))
            continue
        if source.name in taken:
            clash = ReportError(
                "config",
                f"source {name!r} has the name of a table or view in "
                "[tables] or [views]; rename one of them",
            )
            problems.append(Problem(clash, *where))
            continue
        found[name] = source
    return found
