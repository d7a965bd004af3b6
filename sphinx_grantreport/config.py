"""The ``grantreport_*`` settings of conf.py, read and validated once per build."""

from __future__ import annotations

import datetime
import os
import re
import tomllib
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import yaml
from babel import Locale
from sphinx.application import Sphinx
from sphinx.config import Config

from .engine import READERS, table_name_for
from .errors import ReportError, warn
from .formatting import parse_locale
from .metrics import MetricDefinition

#: The folder under the source dir whose files become tables by default.
DATA_DIR = "data"

_ConfigRebuild = Literal["", "env", "html"]

#: Themes that can show a page dark, so a dark variant of a chart is worth drawing.
DARK_THEMES = {"grantreport", "furo", "pydata_sphinx_theme", "sphinx_book_theme"}


def dark_charts(config: Config) -> bool:
    """Whether web pages get a dark variant of each chart."""
    if config.grantreport_dark_charts is not None:
        return bool(config.grantreport_dark_charts)
    return config.html_theme in DARK_THEMES


#: name -> (default, rebuild, types, description) of every config value.
CONFIG_VALUES: dict[str, tuple[Any, _ConfigRebuild, Any, str]] = {
    "grantreport_data": (
        {},
        "env",
        dict,
        "Extra or overriding tables: name -> file path relative to the source dir.",
    ),
    "grantreport_metrics": (
        {},
        "env",
        dict,
        "Named metrics: name -> {sql|function, format, round, label, description}.",
    ),
    "grantreport_metrics_file": (
        None,
        "env",
        (str, type(None)),
        "A TOML or YAML file of more named metrics, relative to conf.py.",
    ),
    "grantreport_params": (
        {},
        "env",
        dict,
        "Query parameters, bound as $name in SQL.",
    ),
    "grantreport_currency": (
        "USD",
        "env",
        str,
        "ISO 4217 currency of the currency formats.",
    ),
    "grantreport_mpl_style": (
        None,
        "env",
        (str, list, type(None)),
        "Matplotlib style(s) applied after the bundled one: names or files "
        "relative to conf.py.",
    ),
    "grantreport_dark_charts": (
        None,
        "html",
        (bool, type(None)),
        "Draw a dark variant of each chart for web pages: True, False, or None "
        "(the default) for themes with a dark mode (grantreport, furo, "
        "pydata-sphinx-theme, sphinx-book-theme).",
    ),
    "grantreport_max_age": (
        None,
        "env",
        (str, type(None)),
        "How old a metric's as_of date may be at build time, such as '120d', "
        "before a warning (SOURCE_DATE_EPOCH sets the build date).",
    ),
    "grantreport_latex_report": (
        False,
        "env",
        bool,
        "Make the PDF read like a report: sections rather than chapters, a "
        "title block with organisation, period and date, no table of contents.",
    ),
    "grantreport_organisation": (
        None,
        "env",
        (str, type(None)),
        "The organisation in the PDF title block (default: author).",
    ),
    "grantreport_period": (
        None,
        "env",
        (str, type(None)),
        "The period the report covers, shown in the PDF title block.",
    ),
    "grantreport_latex_toc": (
        False,
        "env",
        bool,
        "With grantreport_latex_report, keep the table of contents.",
    ),
    "grantreport_query_timeout": (
        10.0,
        "",
        (int, float),
        "Seconds after which a query is stopped with a warning.",
    ),
}


@dataclass(frozen=True)
class Settings:
    """Everything the engine and directives need from conf.py, validated."""

    srcdir: Path
    tables: dict[str, Path] = field(default_factory=dict)
    metrics: dict[str, MetricDefinition] = field(default_factory=dict)
    metrics_file: Path | None = None
    params: dict[str, Any] = field(default_factory=dict)
    locale: Locale = field(default_factory=lambda: parse_locale("en"))
    currency: str = "USD"
    query_timeout: float = 10.0
    chart_styles: tuple[str | Path, ...] = ()
    max_age: datetime.timedelta | None = None


def read_settings(app: Sphinx) -> Settings:
    """Build :class:`Settings` from the app, warning about each bad entry."""
    config = app.config
    srcdir = Path(app.srcdir).resolve()
    metrics_file = None
    if config.grantreport_metrics_file:
        metrics_file = (Path(app.confdir) / config.grantreport_metrics_file).resolve()
    try:
        locale = parse_locale(config.language)
    except ReportError as error:
        warn(error)
        locale = parse_locale("en")
    return Settings(
        srcdir=srcdir,
        tables=_tables(srcdir, config.grantreport_data),
        metrics=_metrics(config.grantreport_metrics, metrics_file),
        metrics_file=metrics_file,
        params=_params(config.grantreport_params),
        locale=locale,
        currency=config.grantreport_currency,
        query_timeout=float(config.grantreport_query_timeout),
        chart_styles=_chart_styles(Path(app.confdir), config.grantreport_mpl_style),
        max_age=_max_age(config.grantreport_max_age),
    )


#: What DuckDB binds as a typed value; anything else is refused in conf.py.
PARAM_TYPES: tuple[type, ...] = (str, int, float, Decimal, bool, bytes, type(None))
PARAM_TYPES += (uuid.UUID, datetime.date, datetime.time, datetime.timedelta)


def _params(value: object) -> dict[str, Any]:
    """The parameters that can be bound, warning about the others.

    Values are only ever bound, never pasted into SQL, so a string cannot
    inject; this check turns a value DuckDB cannot bind into a clear message.
    """
    if not isinstance(value, dict):
        warn(ReportError("config", "grantreport_params must be a dict of name: value"))
        return {}
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
        warn(ReportError("config", f"grantreport_params: {problem}"))
    return params


def _bindable(value: object) -> bool:
    if isinstance(value, list | tuple):
        return all(_bindable(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _bindable(v) for k, v in value.items())
    return isinstance(value, PARAM_TYPES)


def _max_age(value: str | None) -> datetime.timedelta | None:
    if value is None:
        return None
    match = re.fullmatch(r"\s*(\d+)\s*d\s*", value)
    if not match:
        warn(
            ReportError(
                "config", f"grantreport_max_age {value!r} must read like '120d'"
            )
        )
        return None
    return datetime.timedelta(days=int(match[1]))


def build_date() -> datetime.date:
    """Today, or the date of SOURCE_DATE_EPOCH, for builds that must repeat."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), datetime.UTC).date()
    return datetime.date.today()


def _chart_styles(
    confdir: Path, value: str | list[str] | None
) -> tuple[str | Path, ...]:
    """Style files (relative to conf.py) as paths, so edits redraw charts;
    anything else is a matplotlib style name."""
    names = [value] if isinstance(value, str) else list(value or [])
    return tuple(
        (confdir / name).resolve() if (confdir / name).is_file() else name
        for name in names
    )


def _tables(srcdir: Path, declared: dict[str, str]) -> dict[str, Path]:
    tables: dict[str, Path] = {}
    data_dir = srcdir / DATA_DIR
    found = sorted(data_dir.rglob("*")) if data_dir.is_dir() else []
    for path in found:
        if path.suffix.lower() not in READERS or not path.is_file():
            continue
        name = table_name_for(path.stem)
        if name in tables:
            warn(
                ReportError(
                    "data",
                    f"{path.relative_to(srcdir)} and "
                    f"{tables[name].relative_to(srcdir)} would both be table "
                    f"{name!r}; using the first (name them in grantreport_data)",
                )
            )
            continue
        tables[name] = path
    for name, relative in declared.items():
        if not isinstance(name, str) or not name.isidentifier():
            warn(
                ReportError(
                    "config",
                    f"grantreport_data: table name {name!r} is not an SQL identifier "
                    "(letters, digits and _ only)",
                )
            )
            continue
        tables[name.lower()] = (srcdir / str(relative)).resolve()
    return tables


def _metrics(
    declared: dict[str, Any], metrics_file: Path | None
) -> dict[str, MetricDefinition]:
    raw: dict[str, tuple[Any, object]] = {}
    if metrics_file is not None:
        for name, entry in _read_metrics_file(metrics_file).items():
            raw[name] = (entry, file_location(metrics_file))
    for name, entry in declared.items():
        if name in raw:
            warn(
                ReportError(
                    "config",
                    f"metric {name!r} is defined in conf.py and in "
                    f"{metrics_file}; using conf.py",
                )
            )
        raw[name] = (entry, None)
    metrics = {}
    for name, (entry, location) in raw.items():
        try:
            metrics[name] = MetricDefinition.from_config(name, entry)
        except ReportError as error:
            warn(error, location)
    return metrics


def _read_metrics_file(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix.lower() == ".toml":
            content = tomllib.loads(text)
        elif path.suffix.lower() in (".yaml", ".yml"):
            content = yaml.safe_load(text) or {}
        else:
            raise ReportError(
                "config", "grantreport_metrics_file must be a .toml, .yaml or .yml file"
            )
    except ReportError as error:
        warn(error, file_location(path))
        return {}
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
        warn(
            ReportError("config", f"cannot read metrics file: {message}"),
            file_location(path, line),
        )
        return {}
    if not isinstance(content, dict):
        warn(
            ReportError("config", "the metrics file must map metric names to metrics"),
            file_location(path),
        )
        return {}
    return content


def file_location(path: Path, line: int | None = None) -> str:
    """A warning location for a file that is not a document (``path:line``)."""
    return f"{path}:{line or ''}"


def apply_latex_report(app: Sphinx, config: Config) -> None:
    """``grantreport_latex_report``: the LaTeX settings of a report rather than
    a manual (``config-inited``). Keys the user set in ``latex_elements`` win."""
    if not config.grantreport_latex_report:
        return
    from sphinx.util.texescape import escape

    config.latex_theme = "howto"
    lines = [
        r"\begin{flushleft}",
        r"{\Huge\bfseries\csname @title\endcsname\par}\vspace{0.6em}",
        r"{\Large "
        + escape(config.grantreport_organisation or config.author)
        + r"\par}",
    ]
    if config.grantreport_period:
        lines.append(r"{\large " + escape(config.grantreport_period) + r"\par}")
    lines += [
        r"\vspace{0.3em}{\small\csname @date\endcsname\par}",
        r"\end{flushleft}",
        r"\noindent{\color{grantreportbar}\rule{\linewidth}{1.2pt}}\par\bigskip",
    ]
    elements = config.latex_elements
    elements.setdefault("maketitle", "\n".join(lines))
    elements.setdefault("fncychap", "")
    if not config.grantreport_latex_toc:
        elements.setdefault("tableofcontents", "")
