"""Where each shown number came from, per page: what ``sphinx-build -b kpis``
lists. Kept in the environment by an :class:`EnvironmentCollector`, so a page
read again replaces its records and parallel readers hand theirs over."""

from __future__ import annotations

import hashlib
import itertools
import json
import pickle
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.environment.collectors import EnvironmentCollector

if TYPE_CHECKING:
    from .engine import QueryResult
    from .presentation import ShownValue, SourceFact

#: What a reader sees where a number could not be computed.
PLACEHOLDER = "⚠ metric unavailable"


@dataclass(frozen=True)
class ValueRecord:
    """One value shown on a page (or the error in its place)."""

    page: str
    line: int | None
    metric: str | None
    value: Any
    text: str
    query: str | None
    params: dict[str, Any] = field(default_factory=dict)
    sources: tuple[dict[str, Any], ...] = ()
    error: str | None = None
    views: tuple[str, ...] = ()
    #: "value", or "figure" / "table" for the data a chart or table shows
    kind: str = "value"
    #: for a chart or table: the sha256 of the rows it shows
    data_sha256: str | None = None
    #: the key of a keyed metric's value ("utoronto", "2023, berkeley")
    key: str | None = None
    #: computed with the parameters of its entity page (so its value is that
    #: page's own, listed apart from the same metric on other pages)
    own_page: bool = False
    #: what a reviewer calls it: the metric's label, or a chart's or table's
    #: caption (``sphinx-grantreport diff`` names the changes by it)
    label: str | None = None


def _records(env: BuildEnvironment) -> dict[str, list[ValueRecord] | bytes]:
    values: dict[str, list[ValueRecord] | bytes] = env.__dict__.setdefault(
        "grantreport_values", {}
    )
    return values


def record_value(
    env: BuildEnvironment,
    location: object,
    metric: str | None,
    sql: str | None,
    shown: ShownValue | None,
    error: str | None = None,
    key: str | None = None,
) -> None:
    """Keep a shown value, its query and the files behind it."""
    docname, line = location if isinstance(location, tuple) else (env.docname, None)
    definition = None
    measurement = shown.measurement if shown else None
    own_page = False
    if (state := env.__dict__.get("grantreport")) is not None:
        if metric is not None:
            definition = state.session.definitions.metrics.get(metric)
        if (page := state.pages.get(docname)) is not None:
            own_page = measurement is None or bool(
                set(measurement.params) & set(page.params)
            )
    record = ValueRecord(
        page=docname,
        line=line,
        metric=metric,
        value=measurement.value if measurement else None,
        text=shown.text if shown else PLACEHOLDER,
        query=(measurement.query if measurement else None)
        or sql
        or (definition.sql if definition else None),
        params=dict(measurement.params) if measurement else {},
        sources=tuple(fact.as_record() for fact in shown.sources) if shown else (),
        error=error,
        views=measurement.views if measurement else (),
        key=", ".join(measurement.key) if measurement and measurement.key else key,
        own_page=own_page,
        label=definition.label if definition else None,
    )
    _append(env, docname, record)


def record_data(
    env: BuildEnvironment,
    location: object,
    kind: str,
    result: QueryResult,
    facts: Sequence[SourceFact],
    label: str | None = None,
) -> None:
    """Keep the query, files and a hash of the rows behind a chart or table."""
    docname, line = location if isinstance(location, tuple) else (env.docname, None)
    rows = json.dumps([result.columns, result.rows], default=str).encode()
    count = len(result.rows)
    record = ValueRecord(
        page=docname,
        line=line,
        metric=None,
        value=None,
        text=f"{kind} of {count} {'row' if count == 1 else 'rows'}",
        query=result.sql,
        params=dict(result.params),
        sources=tuple(fact.as_record() for fact in facts),
        views=result.views,
        kind=kind,
        data_sha256=hashlib.sha256(rows).hexdigest(),
        label=label,
    )
    _append(env, docname, record)


def caption_label(lines: Iterable[str], name: str | None = None) -> str | None:
    """A chart's or table's caption on one line (its first paragraph), else
    its ``:name:``: what a review of the ``kpis`` list calls it."""
    text = itertools.dropwhile(lambda line: not line.strip(), lines)
    words = " ".join(itertools.takewhile(str.strip, text)).split()
    return " ".join(words) or name


def _append(env: BuildEnvironment, docname: str, record: ValueRecord) -> None:
    records = _records(env).setdefault(docname, [])
    assert isinstance(records, list), "a page's records are packed once it is read"
    records.append(record)


def recorded_values(env: BuildEnvironment) -> dict[str, list[ValueRecord]]:
    """Per page, the values recorded when it was read."""
    return {
        docname: pickle.loads(records) if isinstance(records, bytes) else records
        for docname, records in _records(env).items()
    }


class ValuesCollector(EnvironmentCollector):
    """Each page's values: forgotten when the page is read again, taken over
    from parallel readers, and packed as one pickled blob once the page is
    read, since the environment is loaded on every build (even one with
    nothing to do) while only the ``kpis`` builder reads them."""

    def clear_doc(self, app: Sphinx, env: BuildEnvironment, docname: str) -> None:
        _records(env).pop(docname, None)

    def merge_other(
        self,
        app: Sphinx,
        env: BuildEnvironment,
        docnames: AbstractSet[str],
        other: BuildEnvironment,
    ) -> None:
        ours, theirs = _records(env), _records(other)
        for docname in docnames:
            if docname in theirs:
                ours[docname] = theirs[docname]

    def process_doc(self, app: Sphinx, doctree: nodes.document) -> None:
        records = _records(app.env)
        docname = app.env.docname
        if isinstance(records.get(docname), list):
            records[docname] = pickle.dumps(
                records[docname], protocol=pickle.HIGHEST_PROTOCOL
            )


def setup_provenance(app: Sphinx) -> None:
    app.add_env_collector(ValuesCollector)
