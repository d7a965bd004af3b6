"""The report's numbers and charts as mdast, for the MyST Document Engine
(mystmd, Jupyter Book 2): what the JavaScript plugin asks for, answered by
the same core that the Sphinx build uses. No Sphinx here.

The plugin sends one request per page, holding each ``{kpi}`` role and
``kpi-*`` directive of the page (its kind, text, options and line); the
answer is, for each, the mdast nodes that replace it and the warnings to
report at its line. A ``{"type": "grantreportBody"}`` node stands where the
directive's own body (parsed by mystmd) goes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .card_context import change, comparisons, progress, read_reference, trend
from .datafiles import shown_path
from .definitions import ReportDefinitions, resolve
from .errors import Problem, ReportError
from .figure_options import CHART_OPTIONS
from .metric_definitions import Measurement
from .metrics import MetricEvaluator
from .output_files import check_svg, write_atomically
from .presentation import ShownValue, present, shown_text
from .project_file import ProjectFile, find_project_file, read_project_file
from .role_text import parse_role_text, resolve_key_text
from .settings import ReportSettings
from .title_templates import parse_template
from .version import package_version

#: What a reader sees where a number or a chart could not be made (as in
#: the Sphinx build).
VALUE_PLACEHOLDER = "⚠ metric unavailable"
FIGURE_PLACEHOLDER = "⚠ figure unavailable"

#: Where charts are drawn, under the project; mystmd copies an image given
#: by a root-relative URL into the site or export.
CHART_DIR = Path("_build") / "grantreport"

#: The options each directive takes under mystmd (the plugin declares them).
DIRECTIVE_OPTIONS: dict[str, tuple[str, ...]] = {
    "kpi-card": (
        "metric", "key", "sql", "format", "round", "link",
        "compare", "delta", "compare-label", "down-is-good", "target", "trend",
        # not drawn under mystmd yet: declared, so that each says so at its line
        "link-type", "link-alt", "class-card",
    ),
    "kpi-figure": ("sql", "data", "name", "alt", *CHART_OPTIONS),
    "kpi-table": (
        "sql", "data", "columns", "formats", "total", "sort", "limit", "others",
        "bar", "good", "name",
    ),
    "kpi-sources": ("tables",),
}  # fmt: skip

#: kpi-card options the Sphinx build draws and this engine does not yet.
NOT_YET = DIRECTIVE_OPTIONS["kpi-card"][12:]

#: The kpi-sources appendix's columns (as in the Sphinx build).
SOURCES_HEADER = ("Table", "File", "Rows", "Columns", "Dates", "SHA-256")

BODY = {"type": "grantreportBody"}

Node = dict[str, Any]


def text(value: str) -> Node:
    return {"type": "text", "value": value}


def strong(value: str) -> Node:
    return {"type": "strong", "children": [text(value)]}


def paragraph(*children: Node) -> Node:
    return {"type": "paragraph", "children": list(children)}


@dataclass
class Answer:
    """The nodes that replace one role or directive, and its warnings."""

    nodes: list[Node] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)

    def warn(self, error: ReportError) -> None:
        self.warnings.append({"message": error.message, "subtype": error.subtype})


class MystReport:
    """One mystmd project's definitions, engine and evaluator, kept for the
    life of the ``myst`` process (one process answers every page)."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        path = find_project_file(self.root)
        project = read_project_file(path) if path else ProjectFile()
        settings = ReportSettings.from_values(project.settings)
        self.definitions: ReportDefinitions
        self.definitions, problems = resolve(
            self.root, self.root, settings, project, None
        )
        #: the project file's problems, said once, at its file and line
        self.problems: list[Problem] = [
            *project.problems,
            *problems,
            *settings.problems(str(path) if path else None),
        ]
        self.engine = self.definitions.open_engine(self.root / CHART_DIR / "spill")
        self.evaluator = MetricEvaluator(
            self.engine,
            self.definitions.metrics,
            self.root,
            settings.timeout,
        )

    def close(self) -> None:
        self.engine.close()

    def answer(self, item: Mapping[str, Any]) -> Answer:
        """The mdast of one role or directive of a page."""
        kind = item.get("kind")
        answer = Answer()
        handler = {
            "kpi": self._role,
            "kpi-card": self._card,
            "kpi-figure": self._figure,
            "kpi-table": self._table,
            "kpi-sources": self._sources,
        }.get(str(kind))
        if handler is None:
            answer.warn(ReportError("option", f"unknown grantreport node {kind!r}"))
            answer.nodes = [text(VALUE_PLACEHOLDER)]
            return answer
        handler(item, answer)
        return answer

    def _show(self, answer: Answer, measure: Any, **options: Any) -> ShownValue | None:
        """A value as text, or None with a warning; its doubts are warned."""
        try:
            measurement: Measurement = measure()
            shown = present(
                self.evaluator,
                measurement,
                self.definitions.numbers,
                max_age=self.definitions.settings.max_age_days,
                **options,
            )
        except ReportError as error:
            answer.warn(error)
            return None
        for doubt in shown.doubts:
            answer.warn(doubt)
        return shown

    def _key(self, text_: str | None) -> tuple[str, ...]:
        if text_ is None:
            return ()
        return resolve_key_text(text_, self.definitions.params)

    def _role(self, item: Mapping[str, Any], answer: Answer) -> None:
        try:
            asked = parse_role_text(str(item.get("arg", "")))
        except ReportError as error:
            answer.warn(error)
            answer.nodes = [text(VALUE_PLACEHOLDER)]
            return
        if asked.name.startswith("$"):
            shown = self._show(
                answer,
                lambda: self._param(asked.name[1:]),
                format_spec=asked.format_spec
                or (
                    "d"
                    if type(self.definitions.params.get(asked.name[1:])) is int
                    else None
                ),
            )
        elif asked.as_list:
            shown = self._show(
                answer,
                lambda: self.evaluator.listed(asked.name),
                rounding=asked.rounding,
                list_limit=asked.list_limit,
            )
        else:
            shown = self._show(
                answer,
                lambda: self.evaluator.metric(asked.name, self._key(asked.key)),
                format_spec=asked.format_spec,
                rounding=asked.rounding,
            )
        answer.nodes = [text(shown.text if shown else VALUE_PLACEHOLDER)]

    def _param(self, name: str) -> Measurement:
        params = self.definitions.params
        if name not in params:
            known = ", ".join(f"${n}" for n in sorted(params)) or "none"
            raise ReportError("param", f"${name} is not a parameter (defined: {known})")
        return Measurement(params[name], params={name: params[name]})

    def _card(self, item: Mapping[str, Any], answer: Answer) -> None:
        options = dict(item.get("options") or {})
        for option in sorted(set(options) & set(NOT_YET)):
            answer.warn(
                ReportError(
                    "mystmd",
                    f"kpi-card's :{option}: is not supported under the MyST "
                    "Document Engine yet; the card shows its value without it",
                )
            )
        label = None
        if ("metric" in options) == ("sql" in options):
            answer.warn(ReportError("option", "kpi-card needs :metric: or :sql:"))
            shown = None
        elif "metric" in options:
            name = options["metric"]
            definition = self.definitions.metrics.get(name)
            label = definition.label if definition else None
            shown = self._show(
                answer,
                lambda: self.evaluator.metric(name, self._key(options.get("key"))),
                format_spec=options.get("format"),
                rounding=options.get("round"),
            )
        else:
            shown = self._show(
                answer,
                lambda: self.evaluator.inline(options["sql"]),
                format_spec=options.get("format"),
                rounding=options.get("round"),
            )
        value = shown.text if shown else VALUE_PLACEHOLDER
        template = str(item.get("arg") or label or "")
        try:
            parts = parse_template(template)
        except ReportError as error:
            answer.warn(error)
            parts = [(template, None)]
        fields = {"value": value, "label": label or ""}
        if any(name == "value" for _, name in parts):  # a sentence
            title = _title_nodes(parts, fields)
            children: list[Node] = [{"type": "cardTitle", "children": title}]
        else:
            children = [
                {"type": "cardTitle", "children": [strong(value)]},
                paragraph(*_title_nodes(parts, fields)),
            ]
        children.append(BODY)
        if shown is not None:
            children += self._context(options, shown.measurement, answer)
        card: Node = {"type": "card", "children": children}
        if link := options.get("link"):
            card["url"] = link
        answer.nodes = [card]

    def _context(
        self, options: Mapping[str, Any], measurement: Measurement, answer: Answer
    ) -> list[Node]:
        """As of, the changes, the progress and the trend, in the words the
        Sphinx card uses (card_context)."""
        numbers = self.definitions.numbers
        format_spec = measurement.format_spec(options.get("format"))
        context = []
        if measurement.as_of is not None:
            context.append(
                paragraph(text(f"As of {numbers.format(measurement.as_of)}"))
            )
        try:
            for reference, mode, down_is_good, label in comparisons(options):
                before = self._reference(reference, measurement)
                shown = change(
                    measurement.value,
                    before.value,
                    mode=mode,
                    down_is_good=down_is_good,
                    label=label,
                    format_spec=format_spec,
                    numbers=numbers,
                )
                context.append(paragraph(text(shown.text)))
            if "target" in options:
                target = self._reference(options["target"], measurement)
                target_text, _ = shown_text(target, numbers, format_spec)
                goal = progress(measurement.value, target.value, target_text, numbers)
                context.append(paragraph(text(goal.words)))
            if "trend" in options:
                line = trend(
                    self.engine.query(options["trend"]).rows, numbers, format_spec
                )
                svg = line.svg().encode()
                name = f"trend-{hashlib.sha256(svg).hexdigest()[:24]}.svg"
                path = self.root / CHART_DIR / name
                if not path.is_file():
                    write_atomically(path, svg)
                url = f"/{(CHART_DIR / name).as_posix()}"
                context.append({"type": "image", "url": url, "alt": line.label})
        except ReportError as error:
            answer.warn(error)
        return context

    def _reference(self, text_: str, shown: Measurement) -> Measurement:
        """A :compare: or :target: value (a keyed metric without a key takes
        the shown value's)."""
        named = read_reference(text_)
        if named.number is not None:
            return Measurement(named.number)
        if named.sql is not None:
            return self.evaluator.inline(named.sql)
        assert named.metric is not None
        key = named.key
        definition = self.definitions.metrics.get(named.metric)
        if key is None and shown.key and definition is not None and definition.key:
            key = ", ".join(shown.key)
        return self.evaluator.metric(named.metric, self._key(key))

    def _figure(self, item: Mapping[str, Any], answer: Answer) -> None:
        options = dict(item.get("options") or {})
        figure: Node = {"type": "container", "kind": "figure", "children": []}
        if name := options.get("name"):
            figure["label"] = name
            figure["identifier"] = name.lower()
        try:
            figure["children"].append(self._chart(options))
        except ReportError as error:
            answer.warn(error)
            figure["children"].append(paragraph(text(FIGURE_PLACEHOLDER)))
        figure["children"].append({"type": "caption", "children": [BODY]})
        answer.nodes = [figure]

    def _chart(self, options: Mapping[str, Any]) -> Node:
        """The chart drawn as SVG into the project's _build/grantreport, once
        for each content: a file named by the hash of all it is drawn from."""
        from . import chart_spec

        sources = [key for key in ("sql", "data") if key in options]
        if len(sources) != 1:
            raise ReportError("option", "kpi-figure needs :sql: or :data: (one)")
        sql = options.get("sql") or f'SELECT * FROM "{options["data"]}"'
        result = self.engine.query(sql)
        table = chart_spec.Table(result.columns, result.rows)
        chart_options = {key: options[key] for key in CHART_OPTIONS if key in options}
        spec = chart_spec.parse_spec(chart_options)
        data = chart_spec.prepare(table, spec)
        numbers = self.definitions.numbers
        alt = chart_spec.clean_text(
            options.get("alt") or chart_spec.describe(data, spec, numbers)
        )
        digest = hashlib.sha256(
            repr(
                (
                    package_version(),
                    chart_spec.STYLE_FILE.read_bytes(),
                    [path.read_bytes() for path in chart_spec.DRAWING_FILES],
                    sorted(chart_options.items()),
                    table,
                    str(numbers.locale),
                    numbers.currency,
                )
            ).encode()
        ).hexdigest()[:24]
        name = f"chart-{digest}.svg"
        path = self.root / CHART_DIR / name
        if not path.is_file():
            from . import chart_drawing

            styles = self.definitions.chart_styles
            drawn = chart_drawing.draw(data, spec, numbers, styles)
            content = chart_drawing.save(drawn, "svg", styles, literal=True)
            check_svg(content)
            write_atomically(path, content)
        return {"type": "image", "url": f"/{(CHART_DIR / name).as_posix()}", "alt": alt}

    def _table(self, item: Mapping[str, Any], answer: Answer) -> None:
        """A kpi-table: the rows of its query, shaped by the same code as in
        the Sphinx build (columns, formats, sort, limit, others, total)."""
        from . import table_spec

        options = dict(item.get("options") or {})
        container: Node = {"type": "container", "kind": "table", "children": []}
        if name := options.get("name"):
            container["label"] = name
            container["identifier"] = name.lower()
        if item.get("arg"):
            container["children"].append(
                {"type": "caption", "children": [paragraph(text(str(item["arg"])))]}
            )
        try:
            parsed = table_spec.parse_options(options)
            if ("sql" in options) == ("data" in options):
                raise ReportError("option", "kpi-table needs :sql: or :data: (one)")
            sql = options.get("sql") or f'SELECT * FROM "{options["data"]}"'
            result = self.engine.query(sql)
            shown = table_spec.shape(
                result.columns, result.rows, parsed, self.definitions.numbers
            )
        except ReportError as error:
            answer.warn(error)
            container["children"].append(paragraph(text(VALUE_PLACEHOLDER)))
            answer.nodes = [container]
            return
        rows = [_row(shown.header, shown.numeric, header=True)]
        for cells in [*shown.body, *filter(None, (shown.others, shown.total))]:
            rows.append(_row([cell.text for cell in cells], shown.numeric))
        container["children"].append({"type": "table", "children": rows})
        answer.nodes = [container]

    def _sources(self, item: Mapping[str, Any], answer: Answer) -> None:
        """The data appendix: each table's file (or source), rows, columns,
        dates and sha256."""
        options = dict(item.get("options") or {})
        numbers = self.definitions.numbers
        asked = [n.strip() for n in options.get("tables", "").split(",") if n.strip()]
        rows = [_row(SOURCES_HEADER, (False, False, True, False, False, False), True)]
        for name in asked or sorted(self.definitions.tables):
            if name not in self.definitions.tables:
                answer.warn(ReportError("table", f"unknown table {name!r} in :tables:"))
                continue
            try:
                facts = self.engine.facts(name)
            except ReportError as error:
                answer.warn(error)
                continue
            file = shown_path(facts.path, self.root)
            if facts.origin is not None:
                day = numbers.format(facts.origin.fetched_time.date())
                first = facts.origin.fetched.splitlines()[0]
                file = f"{file} from {first}, fetched {day}"
            dates = ""
            if facts.dates:
                first_day, last_day = (numbers.format(day) for day in facts.dates)
                dates = f"{first_day} \N{EN DASH} {last_day}"
            count = numbers.format(facts.rows, "integer")
            columns = ", ".join(facts.columns)
            cells = (name, file, count, columns, dates, facts.sha256[:12])
            rows.append(_row(cells, (False, False, True, False, False, False)))
        answer.nodes = [{"type": "table", "children": rows}]


def _row(cells: Any, numeric: Any, header: bool = False) -> Node:
    """A table row; numbers right-aligned."""
    return {
        "type": "tableRow",
        "children": [
            {
                "type": "tableCell",
                **({"header": True} if header else {}),
                **({"align": "right"} if number else {}),
                "children": [text(str(cell))],
            }
            for cell, number in zip(cells, numeric, strict=False)
        ],
    }


def _title_nodes(
    parts: list[tuple[str, str | None]], fields: Mapping[str, str]
) -> list[Node]:
    """A title template's text, with the value in bold."""
    nodes: list[Node] = []
    for literal, name in parts:
        if literal:
            nodes.append(text(literal))
        if name == "value":
            nodes.append(strong(fields["value"]))
        elif name is not None:
            nodes.append(text(fields[name]))
    return nodes
