"""What the card directive and the role share: the per-process session, the
value node with its provenance, dependency tracking and placeholders."""

from __future__ import annotations

import os
import pickle
import re
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.transforms import SphinxTransform
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.writers.html5 import HTML5Translator

from .config import Settings, build_date, read_settings
from .engine import QueryEngine, QueryResult
from .errors import ReportError, warn
from .formatting import format_value, is_number, round_value, shown_number
from .metrics import Measurement, MetricEvaluator, broken_expectations

#: What a reader sees where a number could not be computed.
PLACEHOLDER = "⚠ metric unavailable"

_SETTINGS: WeakKeyDictionary[BuildEnvironment, Settings] = WeakKeyDictionary()
_SESSIONS: WeakKeyDictionary[BuildEnvironment, Session] = WeakKeyDictionary()


@dataclass
class Session:
    """The engine and evaluator of one build process.

    Created on first use in each process (parallel reads fork workers, and a
    DuckDB connection must not cross a fork), so a table is loaded and a
    metric computed at most once per process.
    """

    settings: Settings
    pid: int = field(default_factory=os.getpid)

    def __post_init__(self) -> None:
        self.engine = QueryEngine(
            self.settings.tables,
            self.settings.srcdir,
            self.settings.params,
            self.settings.query_timeout,
        )
        self.evaluator = MetricEvaluator(
            self.engine, self.settings.metrics, self.settings.srcdir
        )
        self.noted: set[tuple[str, Path]] = set()

    def note_dependency(self, env: BuildEnvironment, path: Path) -> None:
        """Make the current page depend on a file, once per page: Sphinx's own
        call resolves the path each time, and a page may show hundreds of values."""
        if (env.docname, path) not in self.noted:
            self.noted.add((env.docname, path))
            env.note_dependency(str(path))


# The app that reads each env's settings; held weakly, as the app holds the env.
_APPS: WeakKeyDictionary[BuildEnvironment, weakref.ref[Sphinx]] = WeakKeyDictionary()


def init_settings(app: Sphinx) -> None:
    """Forget the last build's settings (``builder-inited``): they are read
    when first needed, so a build with nothing to read does not read them."""
    _APPS[app.env] = weakref.ref(app)
    _SETTINGS.pop(app.env, None)


def read_settings_before_reading(
    app: Sphinx, env: BuildEnvironment, docnames: list[str]
) -> None:
    """Read conf.py's settings before pages are read (``env-before-read-docs``),
    so that parallel readers share them and warn about them once."""
    if docnames:
        settings_of(env)


def settings_of(env: BuildEnvironment) -> Settings:
    """This build's settings, read once."""
    if env not in _SETTINGS:
        app = _APPS[env]()
        assert app is not None, "settings read after the build's app is gone"
        _SETTINGS[env] = read_settings(app)
    return _SETTINGS[env]


def close_session(app: Sphinx, exception: Exception | None) -> None:
    """Release the DuckDB connection at the end of a build."""
    session = _SESSIONS.pop(app.env, None)
    if session is not None and session.pid == os.getpid():
        session.engine.close()


def get_session(env: BuildEnvironment) -> Session:
    """This process's session for this build."""
    session = _SESSIONS.get(env)
    if session is None or session.pid != os.getpid():
        session = _SESSIONS[env] = Session(settings_of(env))
    return session


def measure(
    env: BuildEnvironment, *, metric: str | None = None, sql: str | None = None
) -> Measurement:
    """Compute a named metric or an inline query for the current page.

    The page is made to depend on every file the value may come from, before
    computing it, so that fixing a broken data file also rebuilds the page.
    """
    session = get_session(env)
    settings = session.settings
    if metric is not None:
        definition = settings.metrics.get(metric)
        if settings.metrics_file is not None:
            session.note_dependency(env, settings.metrics_file)
        sql = definition.sql if definition else None
    if sql is not None:
        _note_tables(env, session, sql)
    if metric is not None:
        measurement = session.evaluator.metric(metric)
    else:
        assert sql is not None
        measurement = session.evaluator.inline(sql)
    for path in measurement.files:
        session.note_dependency(env, path)
    return measurement


def query_for_page(env: BuildEnvironment, sql: str) -> QueryResult:
    """Run a query for the current page, which then depends on the tables it reads."""
    session = get_session(env)
    _note_tables(env, session, sql)
    return session.engine.query(sql)


def _note_tables(env: BuildEnvironment, session: Session, sql: str) -> None:
    for table in session.engine.tables_used(sql):
        session.note_dependency(env, session.settings.tables[table])


def display_text(
    env: BuildEnvironment,
    measurement: Measurement,
    format_spec: str | None = None,
    rounding: str | None = None,
) -> str:
    """Round and format a measurement; options override the metric's own."""
    settings = get_session(env).settings
    definition = measurement.metric
    format_spec = format_spec or (definition.format if definition else None)
    rounding = rounding or (definition.round if definition else None)
    value: Any = measurement.value
    if rounding:
        value = round_value(value, rounding)
    return format_value(value, format_spec, settings.locale, settings.currency)


class kpi_value(nodes.inline):
    """A computed value in the text, carrying where it came from.

    A subclass of ``inline`` so that every builder without a visitor of its
    own renders it as plain inline text.
    """


def value_node(
    env: BuildEnvironment,
    text: str,
    measurement: Measurement | None,
    sources: Sequence[dict[str, Any]] = (),
) -> kpi_value:
    """The node for a computed value (or, without a measurement, the placeholder),
    with its :func:`source_facts` as the page shows them."""
    if measurement is None:
        return kpi_value(
            PLACEHOLDER, PLACEHOLDER, classes=["kpi-value", "kpi-unavailable"]
        )
    shown = "; ".join(
        f"{source['file']} ({source['rows']} rows, sha256 {source['sha256'][:12]})"
        if "sha256" in source
        else source["file"]
        for source in sources
    )
    node = kpi_value(
        text,
        text,
        classes=["kpi-value"],
        metric=measurement.metric.name if measurement.metric else "",
        query=measurement.query or "",
        sources=shown,
    )
    if measurement.as_of:
        node["as_of"] = measurement.as_of.isoformat()
    return node


def compute_value_node(
    env: BuildEnvironment,
    location: object,
    *,
    metric: str | None = None,
    sql: str | None = None,
    format_spec: str | None = None,
    rounding: str | None = None,
) -> tuple[kpi_value, Measurement | None]:
    """Measure, round and format, or warn at ``location`` and give the placeholder.

    Either way the outcome is recorded for the ``kpis`` builder."""
    try:
        measurement = measure(env, metric=metric, sql=sql)
        text = display_text(env, measurement, format_spec, rounding)
    except ReportError as error:
        warn(error, location)
        record_value(env, location, metric, sql, None, [], PLACEHOLDER, error.message)
        return value_node(env, PLACEHOLDER, None), None
    sources = source_facts(env, measurement)  # for the page and the kpis list
    record_value(env, location, metric, sql, measurement, sources, text)
    for problem in _doubts(env, measurement):
        warn(problem, location)
    node = value_node(env, text, measurement, sources)
    if is_number(measurement.value):  # for the wording around it: see ProseClaims
        node["claim"] = str(Decimal(str(measurement.value)))
    return node, measurement


#: Words just before a value that claim the true value is at least what is
#: shown. In a sentence "over" often means "during" or "across" ("over 12
#: days"), so there it only catches a number rounded up ("over $5.6M" for
#: 5,550,000), not one shown exactly.
CLAIM_RE = re.compile(r"\b(more\s+than|over|above|at\s+least)\s*$", re.IGNORECASE)


class ProseClaims(SphinxTransform):
    """ "More than {value}", in a card's title or in a sentence, must be true
    of the data and not only of the rounded number the reader sees."""

    default_priority = 800

    def apply(self, **kwargs: Any) -> None:
        locale = settings_of(self.env).locale
        for node in list(self.document.findall(kpi_value)):
            if "claim" not in node:
                continue
            raw = Decimal(node["claim"])
            del node["claim"]  # only needed here, not in the doctree
            # the value itself, or the emphasis or bold around it only
            anchor = node
            while isinstance(anchor.parent, nodes.Inline) and len(anchor.parent) == 1:
                anchor = anchor.parent
            parent = anchor.parent
            # the text before it in its paragraph (MyST splits lines into nodes)
            before = "".join(n.astext() for n in parent[: parent.index(anchor)])
            in_title = "kpi-card-title" in parent.get("classes", [])
            claim = CLAIM_RE.search(before[-40:])
            shown = shown_number(node.astext(), raw, locale)
            if claim is None or shown is None:
                continue
            wording = " ".join(claim[1].split())
            loose = wording.lower() == "at least" or (
                wording.lower() == "over" and not in_title
            )
            strict = not loose
            if raw < shown or (strict and raw == shown):
                warn(
                    ReportError(
                        "claim",
                        f'"{wording} {node.astext()}" is not true of the data, '
                        f"which says {raw}: round with floor:STEP below the value",
                    ),
                    node,
                )


def _doubts(env: BuildEnvironment, measurement: Measurement) -> list[ReportError]:
    """A shown number whose data breaks its expect check or is too old."""
    session = get_session(env)
    doubts = [
        ReportError("expect", problem)
        for problem in broken_expectations(measurement, session.engine)
    ]
    max_age = session.settings.max_age
    if measurement.as_of and max_age and build_date() - measurement.as_of > max_age:
        name = measurement.metric.name if measurement.metric else "?"
        doubts.append(
            ReportError(
                "stale",
                f"the data of metric {name!r} is as of {measurement.as_of}, older "
                f"than grantreport_max_age ({max_age.days} days)",
            )
        )
    return doubts


def source_facts(
    env: BuildEnvironment, measurement: Measurement
) -> list[dict[str, Any]]:
    """The files behind a value: each table's file with its sha256 and rows,
    or the module of a metric function."""
    engine = get_session(env).engine
    srcdir = Path(env.srcdir)
    sources: list[dict[str, Any]] = []
    for table in measurement.tables:
        facts = engine.facts(table)
        shown = facts.path
        if facts.path.is_relative_to(srcdir):
            shown = facts.path.relative_to(srcdir)
        sources.append(
            {
                "table": table,
                "file": shown.as_posix(),
                "sha256": facts.sha256,
                "rows": facts.rows,
            }
        )
    if not measurement.tables:
        sources += [{"file": path.name, "function": True} for path in measurement.files]
    return sources


#: Per page, every value computed on it: what ``sphinx-build -b kpis`` lists.
VALUES_ATTRIBUTE = "grantreport_values"


def record_value(
    env: BuildEnvironment,
    location: object,
    metric: str | None,
    sql: str | None,
    measurement: Measurement | None,
    sources: list[dict[str, Any]],
    text: str,
    error: str | None = None,
) -> None:
    """Keep a computed value, its query and the files behind it in the env."""
    docname, line = location if isinstance(location, tuple) else (env.docname, None)
    definition = get_session(env).settings.metrics.get(metric or "")
    values: dict[str, list[dict[str, Any]]] = env.__dict__.setdefault(
        VALUES_ATTRIBUTE, {}
    )
    values.setdefault(docname, []).append(
        {
            "metric": metric,
            "page": docname,
            "line": line,
            "value": measurement.value if measurement else None,
            "text": text,
            "query": (measurement.query if measurement else None)
            or sql
            or (definition.sql if definition else None),
            "params": dict(measurement.params) if measurement else {},
            "sources": sources,
            "error": error,
        }
    )


def pack_values(app: Sphinx, env: BuildEnvironment) -> None:
    """Keep each page's values as one pickled blob (``env-updated``): the
    environment is loaded on every build, even one with nothing to do, while
    only the ``kpis`` builder reads them."""
    values = env.__dict__.get(VALUES_ATTRIBUTE, {})
    for docname, records in values.items():
        if isinstance(records, list):
            values[docname] = pickle.dumps(records, protocol=pickle.HIGHEST_PROTOCOL)


def recorded_values(env: BuildEnvironment) -> dict[str, list[dict[str, Any]]]:
    """Per page, the values recorded when it was read."""
    return {
        docname: pickle.loads(records) if isinstance(records, bytes) else records
        for docname, records in env.__dict__.get(VALUES_ATTRIBUTE, {}).items()
    }


def purge_values(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    """Forget the values of a page that is read again (``env-purge-doc``)."""
    env.__dict__.get(VALUES_ATTRIBUTE, {}).pop(docname, None)


def merge_values(
    app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment
) -> None:
    """Take the values that a parallel reader recorded (``env-merge-info``)."""
    ours = env.__dict__.setdefault(VALUES_ATTRIBUTE, {})
    theirs = other.__dict__.get(VALUES_ATTRIBUTE, {})
    for docname in docnames:
        if docname in theirs:
            ours[docname] = theirs[docname]


_DATA_ATTRIBUTES = {
    "metric": "data-kpi-metric",
    "query": "data-kpi-query",
    "as_of": "data-kpi-as-of",
}


def visit_kpi_value_html(self: HTML5Translator, node: kpi_value) -> None:
    attributes = {
        html: node[key] for key, html in _DATA_ATTRIBUTES.items() if node.get(key)
    }
    if node.get("sources"):
        # Where the number comes from, on hover (title) and on keyboard focus.
        attributes["data-kpi-sources"] = node["sources"]
        origin = f"Computed from {node['sources']}"
        if node.get("as_of"):
            origin += f", data as of {node['as_of']}"
        if node.get("query"):
            origin += f", by: {node['query'].strip()}"
        attributes["title"] = origin
        attributes["tabindex"] = "0"
    self.body.append(self.starttag(node, "span", "", **attributes))


def depart_kpi_value_html(self: HTML5Translator, node: kpi_value) -> None:
    self.body.append("</span>")


class LatexPlaceholders(SphinxPostTransform):
    """Placeholders without the warning sign, and changes without their arrow
    (the sign says it), as pdflatex has neither glyph."""

    default_priority = 200
    formats = ("latex",)

    def run(self, **kwargs: Any) -> None:
        for node in list(self.document.findall(nodes.Element)):
            if "kpi-delta-arrow" in node["classes"] and node.parent is not None:
                node.parent.remove(node)
            elif "kpi-unavailable" in node["classes"]:
                text = node.astext().replace("⚠", "").strip()
                node.children = []
                node += nodes.strong(text, f"[{text}]")
