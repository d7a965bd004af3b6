"""The query engine and metric evaluator of one build process, and what a
page asks of them.

A page asks the session once per number (:meth:`Session.show`); the session
makes the page depend on every file the value may come from, computes it,
warns at the page's line and records it for the ``kpis`` builder. Imported
when a page is first read (see :mod:`.build_state`), so that a build with
nothing to read loads no engine.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

from sphinx.environment import BuildEnvironment

from .datafiles import DATA_DIR
from .definitions import ReportDefinitions
from .engine import QueryResult
from .errors import Memo, ReportError
from .metric_definitions import Measurement
from .metrics import MetricEvaluator
from .page_sets import EntityPage
from .presentation import ShownValue, parameter, present, sources
from .provenance import record_data, record_value
from .report_warnings import warn
from .role_text import resolve_key_text
from .settings import build_time
from .snapshots import snapshot_doubts, snapshot_path


class Session:
    """The engine and evaluator of one build process.

    Created on first use in each process (parallel reads fork workers, and a
    DuckDB connection must not cross a fork), so a table is loaded and a
    metric computed at most once per process.
    """

    def __init__(
        self,
        definitions: ReportDefinitions,
        spill_dir: Path | None = None,
        pages: Mapping[str, EntityPage] | None = None,
    ) -> None:
        self.definitions = definitions
        #: the entity pages of this build, by document name
        self.pages = pages if pages is not None else {}
        self.pid = os.getpid()
        settings = definitions.settings
        self.engine = definitions.open_engine(spill_dir)
        self.evaluator = MetricEvaluator(
            self.engine, definitions.metrics, definitions.srcdir, settings.timeout
        )
        self._noted: set[tuple[str, Path]] = set()
        self._locale_checked = False
        self._data_errors: set[str] = set()  # each said once, not once per use
        self._query_files: Memo[
            str, tuple[tuple[Path, ...], tuple[str, ...], ReportError | None]
        ] = Memo()

    def note(self, env: BuildEnvironment, paths: Iterable[Path]) -> None:
        """Make the current page depend on files, once per page: Sphinx's own
        call resolves the path each time, and a page may show hundreds of values."""
        for path in paths:
            if (env.docname, path) not in self._noted:
                self._noted.add((env.docname, path))
                env.note_dependency(str(path))

    def note_query(self, env: BuildEnvironment, sql: str, location: object) -> None:
        """The page depends on the tables a query reads; a table name that two
        data files would take is reported where a query uses it, and a
        source's snapshot older than its max_age at the source's entry."""
        files, tables, blocked = self._query_files.get(sql, lambda: self._files_of(sql))
        self.note(env, files)
        if blocked is not None:  # after noting: a fetched snapshot rebuilds it
            raise blocked
        for name in tables:
            if clash := self.definitions.data.clashes.get(name):
                warn(ReportError("data", clash), location)
            if (doubt := self._source_doubts.get(name)) is not None:
                self.warn_once(*doubt)

    def _files_of(
        self, sql: str
    ) -> tuple[tuple[Path, ...], tuple[str, ...], ReportError | None]:
        """The files a query depends on, the tables it reads, and why it
        cannot read one (a source not fetched, a link out): once per query
        and process (a keyed metric's query is shown at every key)."""
        definitions = self.definitions
        srcdir = definitions.srcdir
        # a table that no file provides yet: the page depends on the file it
        # would most likely come from (a source's snapshot, or a data file),
        # so that adding it rebuilds the page (Sphinx rereads a page whose
        # dependency is missing, so its warnings repeat until then)
        missing = [
            snapshot_path(definitions.base_dir, name)
            if name in definitions.sources
            else srcdir / DATA_DIR / f"{name}.csv"
            for name in self.engine.names_read(sql)
            if name not in self.engine.tables
            and name not in self.engine.views
            and (name in definitions.sources or name not in self.engine.blocked)
        ]
        tables = tuple(
            name for name in self.engine.names_read(sql) if name in self.engine.tables
        )
        known = [definitions.tables[name] for name in tables]
        blocked = next(
            (
                self.engine.blocked[name]
                for name in self.engine.names_read(sql)
                if name in self.engine.blocked
            ),
            None,
        )
        return (*missing, *known), tables, blocked

    @cached_property
    def _source_doubts(self) -> dict[str, tuple[ReportError, str | None]]:
        return snapshot_doubts(self.definitions, build_time())

    def measure(
        self,
        env: BuildEnvironment,
        location: object,
        *,
        metric: str | None = None,
        sql: str | None = None,
        key: str | None = None,
        as_list: bool = False,
    ) -> Measurement:
        """Compute a named metric (one key of a keyed metric, or all its rows
        as a list) or an inline query for the current page.

        The page is made to depend on every file the value may come from
        before computing it, so that fixing a broken data file also rebuilds
        the page.
        """
        self.note(env, self.definitions.files)  # params, tables, settings
        if metric is not None:
            definition = self.definitions.metrics.get(metric)
            for query in (definition.sql, definition.as_of) if definition else ():
                if query is not None:
                    self.note_query(env, query, location)
            page = self.page_params(env)
            if as_list:
                measurement = self.evaluator.listed(metric, page)
            else:
                keys = self.resolve_key(env, key) if key is not None else ()
                measurement = self.evaluator.metric(metric, keys, page)
        else:
            assert sql is not None
            self.note_query(env, sql, location)
            measurement = self.evaluator.inline(sql, self.page_params(env))
        self.note(env, measurement.files)
        return measurement

    def page_params(self, env: BuildEnvironment) -> Mapping[str, Any] | None:
        """The parameters of the page being read: an entity page's row."""
        page = self.pages.get(env.docname)
        return page.params if page is not None else None

    def params(self, env: BuildEnvironment) -> Mapping[str, Any]:
        """Every parameter of the page being read: its own over the report's."""
        return {**self.definitions.params, **(self.page_params(env) or {})}

    def resolve_key(self, env: BuildEnvironment, text: str) -> tuple[str, ...]:
        """The key a page picks (``$name`` from its parameters)."""
        return resolve_key_text(text, self.params(env))

    def show(
        self,
        env: BuildEnvironment,
        location: object,
        *,
        metric: str | None = None,
        sql: str | None = None,
        key: str | None = None,
        format_spec: str | None = None,
        rounding: str | None = None,
        list_limit: int | None = None,
        as_list: bool = False,
    ) -> ShownValue | None:
        """A value as the page shows it, or None (with a warning) where it
        cannot be computed; either way it is recorded for the ``kpis`` builder."""
        try:
            measurement = self.measure(
                env, location, metric=metric, sql=sql, key=key, as_list=as_list
            )
        except ReportError as error:
            self._check_locale(location)
            self.warn_once(error, location)
            record_value(env, location, metric, sql, None, error.message, key=key)
            return None
        return self.present(
            env,
            location,
            measurement,
            format_spec=format_spec,
            rounding=rounding,
            list_limit=list_limit,
            metric=metric,
            sql=sql,
        )

    def present(
        self,
        env: BuildEnvironment,
        location: object,
        measurement: Measurement,
        *,
        format_spec: str | None = None,
        rounding: str | None = None,
        list_limit: int | None = None,
        metric: str | None = None,
        sql: str | None = None,
    ) -> ShownValue | None:
        """A measurement as the page shows it (also one that a directive made
        from a row of its own query), warned about and recorded like any."""
        self._check_locale(location)
        try:
            shown = present(
                self.evaluator,
                measurement,
                self.definitions.numbers,
                format_spec=format_spec,
                rounding=rounding,
                max_age=self.definitions.settings.max_age_days,
                list_limit=list_limit,
            )
        except ReportError as error:
            self.warn_once(error, location)
            key = ", ".join(measurement.key) if measurement.key else None
            record_value(env, location, metric, sql, None, error.message, key=key)
            return None
        record_value(env, location, metric, sql, shown)
        for doubt in shown.doubts:
            warn(doubt, location)
        return shown

    def show_param(
        self,
        env: BuildEnvironment,
        location: object,
        name: str,
        format_spec: str | None = None,
    ) -> ShownValue | None:
        """A parameter's value in the text (``{kpi}`$report_date```), from
        the project file or conf.py, recorded like a metric's."""
        self.note(env, self.definitions.files)
        params = self.params(env)
        try:
            measurement, written = parameter(name, params, self.definitions.files)
            shown = present(
                self.evaluator,
                measurement,
                self.definitions.numbers,
                format_spec=format_spec or written,
            )
        except ReportError as error:
            warn(error, location)
            record_value(env, location, f"${name}", None, None, error.message)
            return None
        record_value(env, location, f"${name}", None, shown)
        return shown

    def record_data(
        self,
        env: BuildEnvironment,
        location: object,
        result: QueryResult,
        kind: str,
        label: str | None = None,
    ) -> None:
        """Record the data a chart or table shows, for the ``kpis`` builder:
        its query, parameters, files and a hash of its rows, so that a change
        to a chart shows in a diff of two ``kpis.json``."""
        facts = sources(self.engine, result.tables)
        record_data(env, location, kind, result, facts, label)

    def warn_once(self, error: ReportError, location: object) -> None:
        """Warn at a location; an unreadable data file or a bad limit once per
        build process, not at every value that meets it."""
        if error.subtype in ("data", "config", "source"):
            if error.message in self._data_errors:
                return
            self._data_errors.add(error.message)
        warn(error, location)

    def query(self, env: BuildEnvironment, location: object, sql: str) -> QueryResult:
        """Run a query for the current page, which depends on the tables it
        reads and on the project file (its params and tables)."""
        self.note(env, self.definitions.files)
        self.note_query(env, sql, location)
        return self.engine.query(sql, self.page_params(env))

    def _check_locale(self, location: object) -> None:
        """Sphinx's language is checked when a number is first shown: a project
        that shows none is not warned about it."""
        if not self._locale_checked:
            self._locale_checked = True
            if (problem := self.definitions.locale_problem) is not None:
                warn(problem, location)

    def close(self) -> None:
        if self.pid == os.getpid():
            self.engine.close()
