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
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from .card_context import Change, changes_and_progress, read_reference, trend
from .card_rows import card_rows, column_reader, in_order
from .definitions import ReportDefinitions, resolve
from .errors import Problem, ReportError
from .figure_options import CHART_OPTIONS
from .metric_definitions import Measurement
from .metrics import MetricEvaluator
from .mystmd_blocks import figure, sources, table
from .mystmd_nodes import (
    BODY,
    CHART_DIR,
    VALUE_PLACEHOLDER,
    Answer,
    Node,
    paragraph,
    strong,
    text,
)
from .output_files import write_atomically
from .presentation import ShownValue, parameter, present
from .project_file import ProjectFile, find_project_file, read_project_file
from .role_text import parse_role_text, resolve_key_text
from .settings import ReportSettings
from .title_templates import parse_template

#: The options each directive takes under mystmd (the plugin declares them).
DIRECTIVE_OPTIONS: dict[str, tuple[str, ...]] = {
    "kpi-card": (
        "metric", "key", "sql", "format", "round", "link",
        "compare", "delta", "compare-label", "down-is-good", "target", "trend",
        "link-type",
        # not drawn under mystmd yet: declared, so that each says so at its line
        "link-alt", "class-card",
    ),
    "kpi-figure": ("sql", "data", "name", "alt", "download", "table", *CHART_OPTIONS),
    "kpi-table": (
        "sql", "data", "columns", "formats", "total", "sort", "limit", "others",
        "bar", "good", "name", "download",
    ),
    "kpi-sources": ("tables",),
    "kpi-cards": (
        "sql", "metric", "title", "value", "columns", "format", "round",
        "compare", "compare-label", "delta", "down-is-good", "target",
    ),
}  # fmt: skip

#: Options written without a value (``:download:``).
FLAG_OPTIONS = ("download", "table")

#: kpi-card options the Sphinx build draws and this engine does not yet.
NOT_YET = DIRECTIVE_OPTIONS["kpi-card"][13:]


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
        handlers: dict[str, Callable[[Mapping[str, Any], Answer], None]] = {
            "kpi": self._role,
            "kpi-card": self._card,
            "kpi-figure": partial(figure, self),
            "kpi-table": partial(table, self),
            "kpi-cards": self._cards,
            "kpi-sources": partial(sources, self),
        }
        handler = handlers.get(str(kind))
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
            try:
                measured, written = parameter(asked.name[1:], self.definitions.params)
            except ReportError as error:
                answer.warn(error)
                shown = None
            else:
                shown = self._show(
                    answer, lambda: measured, format_spec=asked.format_spec or written
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
        template = str(item.get("arg") or label or "")
        parts = self._parts(template, ("value", "label"), answer)
        fields = {"label": label or ""}

        def resolve(reference: str) -> Measurement:
            assert shown is not None
            return self._reference(reference, shown.measurement)

        answer.nodes = [
            self._card_node(parts, fields, shown, options, resolve, answer, BODY)
        ]

    def _parts(
        self, template: str, fields: Sequence[str], answer: Answer
    ) -> list[tuple[str, str | None]]:
        try:
            return parse_template(template, fields)
        except ReportError as error:
            answer.warn(error)
            return [(template, None)]  # shown as written, braces and all

    def _card_node(
        self,
        parts: list[tuple[str, str | None]],
        fields: Mapping[str, str],
        shown: ShownValue | None,
        options: Mapping[str, Any],
        resolve: Callable[[str], Measurement],
        answer: Answer,
        body: Node | None = None,
    ) -> Node:
        """A card: its title (a sentence with the value in bold, or the value
        over a label), its body, and what the options add around it."""
        value = shown.text if shown else VALUE_PLACEHOLDER
        fields = {**fields, "value": value}
        if any(name == "value" for _, name in parts):  # a sentence
            title = _title_nodes(parts, fields)
            children: list[Node] = [{"type": "cardTitle", "children": title}]
        else:
            children = [
                {"type": "cardTitle", "children": [strong(value)]},
                paragraph(*_title_nodes(parts, fields)),
            ]
        if body is not None:
            children.append(body)
        if shown is not None:
            children += self._context(options, shown.measurement, resolve, answer)
        card: Node = {"type": "card", "children": children}
        if link := options.get("link"):
            kind = options.get("link-type", "url")
            # a label is a cross-reference, #label; a document its page
            card["url"] = {"ref": f"#{link}", "any": f"#{link}", "doc": f"/{link}"}.get(
                kind, link
            )
        return card

    def _cards(self, item: Mapping[str, Any], answer: Answer) -> None:
        """kpi-cards: a grid with a card per row of one query (card_rows)."""
        options = dict(item.get("options") or {})
        try:
            rows = card_rows(options, self.engine.query, self.evaluator)
        except ReportError as error:
            answer.warn(error)
            answer.nodes = [paragraph(text(VALUE_PLACEHOLDER))]
            return
        result, keys, value_column, _ = rows
        default_title = ", ".join("{" + column + "}" for column in keys)
        template = options.get("title", default_title)
        parts = self._parts(template, [*result.columns, "value"], answer)
        numbers = self.definitions.numbers
        cards = []
        for row, measurement in in_order(rows):
            shown = self._show(
                answer,
                lambda measurement=measurement: measurement,
                format_spec=options.get("format"),
                rounding=options.get("round"),
            )
            columns = dict(zip(result.columns, row, strict=True))
            words = {
                name: "" if cell is None else numbers.format(cell)
                for name, cell in columns.items()
            }
            reader = column_reader(columns, value_column)
            cards.append(self._card_node(parts, words, shown, options, reader, answer))
        grid: Node = {
            "type": "grid",
            "columns": _grid_columns(options),
            "children": cards,
        }
        answer.nodes = [grid]

    def _context(
        self,
        options: Mapping[str, Any],
        measurement: Measurement,
        resolve: Callable[[str], Measurement],
        answer: Answer,
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
            for said in changes_and_progress(options, measurement, resolve, numbers):
                words = said.text if isinstance(said, Change) else said.words
                context.append(paragraph(text(words)))
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
        key = named.key_for(shown, self.definitions.metrics)
        return self.evaluator.metric(named.metric, self._key(key))


def _grid_columns(options: Mapping[str, Any]) -> list[int]:
    """Cards per row for phone, tablet, laptop and desktop (1 2 3 3), as
    mystmd's grid takes them."""
    words = str(options.get("columns") or "1 2 3 3").split()
    try:
        numbers = [max(1, min(12, int(word))) for word in words]
    except ValueError:
        return [1, 2, 3, 3]
    return (numbers * 4)[:4] if len(numbers) == 1 else numbers


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
