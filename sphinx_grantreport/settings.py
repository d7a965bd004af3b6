"""The report's settings, declared once: conf.py's ``grantreport_*`` values and
``[settings]`` of grantreport.toml are the same fields. No Sphinx here.

Each field carries its default, what a change rebuilds, the types it takes and
its help text; the Sphinx layer registers them in a loop and the reference
documentation lists them from here.
"""

from __future__ import annotations

import datetime
import math
import os
import re
from dataclasses import MISSING, Field, dataclass, field, fields
from pathlib import Path
from typing import Any

from .errors import Problem, ReportError

#: The prefix of every setting in conf.py.
PREFIX = "grantreport_"

#: Themes that can show a page dark, so a dark variant of a chart is worth drawing.
DARK_THEMES = {"grantreport", "furo", "pydata_sphinx_theme", "sphinx_book_theme"}


def _setting(default: Any, rebuild: str, types: Any, help: str) -> Any:
    """A settings field: its default, what a change rebuilds, its types, its help."""
    meta = {"rebuild": rebuild, "types": types, "help": help}
    if isinstance(default, dict):
        return field(default_factory=dict, metadata=meta)
    return field(default=default, metadata=meta)


#: When a build fetches its sources (see snapshots.POLICIES, the same list).
FETCH_POLICIES = ("never", "missing", "stale", "always")


@dataclass(frozen=True)
class ReportSettings:
    """Every setting of a report, validated by :meth:`problems`."""

    data: dict[str, str] = _setting(
        {},
        "env",
        dict,
        "Extra or overriding tables: name -> file path relative to the source "
        "dir (the [tables] section of grantreport.toml).",
    )
    metrics: dict[str, Any] = _setting(
        {},
        "env",
        dict,
        "Named metrics: name -> {sql|function, format, round, label, "
        "description, expect, as_of} (the [metrics.NAME] sections).",
    )
    metrics_file: str | None = _setting(
        None,
        "env",
        (str, type(None)),
        "A flat TOML or YAML file of more named metrics, relative to conf.py.",
    )
    views: dict[str, Any] = _setting(
        {},
        "env",
        dict,
        "Named queries used like tables: name -> SQL, or a table with sql "
        "(the [views.NAME] sections).",
    )
    params: dict[str, Any] = _setting(
        {},
        "env",
        dict,
        "Query parameters, bound as $name in SQL (the [params] section).",
    )
    currency: str = _setting(
        "USD", "env", str, "ISO 4217 currency of the currency formats."
    )
    mpl_style: str | list[str] | None = _setting(
        None,
        "env",
        (str, list, type(None)),
        "Matplotlib style(s) applied after the bundled one: names or files "
        "relative to conf.py.",
    )
    dark_charts: bool | None = _setting(
        None,
        "html",
        (bool, type(None)),
        "Draw a dark variant of each chart for web pages: True, False, or None "
        "(the default) for themes with a dark mode (grantreport, furo, "
        "pydata-sphinx-theme, sphinx-book-theme).",
    )
    max_age: str | None = _setting(
        None,
        "env",
        (str, type(None)),
        "How old a metric's as_of date may be at build time, such as '120d', "
        "before a warning (SOURCE_DATE_EPOCH sets the build date).",
    )
    fetch: str = _setting(
        "never",
        "",
        str,
        "When a build fetches [sources] into their snapshots first: 'never' "
        "(the default: builds read the snapshots only), 'missing' (sources "
        "with no snapshot), 'stale' (also those older than their refresh, or "
        "whose definition changed) or 'always'. -D grantreport_fetch=... works.",
    )
    latex_report: bool = _setting(
        False,
        "env",
        bool,
        "Make the PDF read like a report: sections rather than chapters, a "
        "title block with organisation, period and date, no table of contents.",
    )
    organisation: str | None = _setting(
        None,
        "env",
        (str, type(None)),
        "The organisation in the PDF title block (default: author).",
    )
    period: str | None = _setting(
        None,
        "env",
        (str, type(None)),
        "The period the report covers, shown in the PDF title block.",
    )
    date: str | datetime.date | None = _setting(
        None,
        "env",
        (str, datetime.date, type(None)),
        "The date the report is dated, shown in the PDF title block: a TOML "
        "date or a text (default: Sphinx's today or today_fmt when set, else "
        "no date).",
    )
    latex_toc: bool = _setting(
        False, "env", bool, "With latex_report, keep the table of contents."
    )
    query_timeout: float = _setting(
        10.0, "", (int, float), "Seconds after which a query is stopped with a warning."
    )
    memory_limit: str = _setting(
        "2GB",
        "",
        str,
        "DuckDB's memory limit for the build's queries; beyond it they spill "
        "to disk under the doctree folder.",
    )
    threads: int = _setting(2, "", int, "DuckDB's threads per build process.")
    max_spill: str = _setting(
        "4GB", "", str, "The most disk space queries may spill to."
    )
    timezone: str = _setting(
        "UTC",
        "env",
        str,
        "The time zone TIMESTAMPTZ values are shown in, the same on every machine.",
    )

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> ReportSettings:
        """Settings from values by field name; types are checked by :meth:`problems`."""
        return cls(**{f.name: values[f.name] for f in fields(cls) if f.name in values})

    def problems(
        self, where: str | None = None, check_types: bool = True
    ) -> list[Problem]:
        """What is wrong with the values, each as a config problem; the field
        falls back to its default where it is used."""
        problems = []
        for spec in fields(self) if check_types else ():
            value = getattr(self, spec.name)
            types = spec.metadata["types"]
            if not isinstance(value, types) or (
                isinstance(value, bool) and bool not in _tuple(types)
            ):
                problems.append(
                    f"{PREFIX}{spec.name} must be {_type_names(types)}, "
                    f"not {type(value).__name__} {value!r}"
                )
        if isinstance(self.max_age, str) and _days(self.max_age) is None:
            problems.append(f"{PREFIX}max_age {self.max_age!r} must read like '120d'")
        if isinstance(self.fetch, str) and self.fetch not in FETCH_POLICIES:
            problems.append(
                f"{PREFIX}fetch must be one of {', '.join(FETCH_POLICIES)}, "
                f"not {self.fetch!r}"
            )
        if isinstance(self.threads, int) and not self.threads > 0:
            problems.append(f"{PREFIX}threads must be above 0, not {self.threads!r}")
        timeout = self.query_timeout
        if isinstance(timeout, int | float) and not timeout > 0:
            problems.append(f"{PREFIX}query_timeout must be above 0, not {timeout!r}")
        return [Problem(ReportError("config", text), where) for text in problems]

    def value(self, name: str) -> Any:
        """A field's value, or its default where the value is of the wrong type
        (it was reported by :meth:`problems`)."""
        spec = _FIELDS[name]
        value = getattr(self, name)
        if isinstance(value, spec.metadata["types"]) and not (
            isinstance(value, bool) and bool not in _tuple(spec.metadata["types"])
        ):
            return value
        return default_of(spec)

    @property
    def max_age_days(self) -> datetime.timedelta | None:
        value = self.value("max_age")
        days = _days(value) if isinstance(value, str) else None
        return datetime.timedelta(days=days) if days is not None else None

    @property
    def threads_count(self) -> int:
        value = self.value("threads")
        return value if isinstance(value, int) and value > 0 else 2

    @property
    def timeout(self) -> float:
        value = self.value("query_timeout")
        return float(value) if _is_real(value) and value > 0 else 10.0

    def wants_dark_charts(self, html_theme: str) -> bool:
        """Whether web pages get a dark variant of each chart."""
        if self.value("dark_charts") is not None:
            return bool(self.dark_charts)
        return html_theme in DARK_THEMES

    def chart_styles(self, confdir: Path) -> tuple[str | Path, ...]:
        """Style files (relative to conf.py) as paths, so edits redraw charts;
        anything else is a matplotlib style name."""
        value = self.value("mpl_style")
        names = [value] if isinstance(value, str) else list(value or [])
        return tuple(
            (confdir / name).resolve() if (confdir / str(name)).is_file() else name
            for name in names
        )


_FIELDS: dict[str, Field[Any]] = {spec.name: spec for spec in fields(ReportSettings)}

#: The settings that grantreport.toml has sections of its own for.
SECTIONED = {
    "data": "tables",
    "metrics": "metrics",
    "params": "params",
    "views": "views",
}


def setting_fields() -> list[Field[Any]]:
    """Every setting, in the order the reference lists them."""
    return list(_FIELDS.values())


def default_of(spec: Field[Any]) -> Any:
    """A field's default value (a new empty dict for dict fields)."""
    if spec.default_factory is not MISSING:
        return spec.default_factory()
    return spec.default


def _tuple(types: Any) -> tuple[type, ...]:
    return types if isinstance(types, tuple) else (types,)


def _type_names(types: Any) -> str:
    names = {
        dict: "a table",
        str: "a string",
        list: "a list",
        bool: "true or false",
        int: "a number",
        float: "a number",
        type(None): "unset",
    }
    return " or ".join(dict.fromkeys(names.get(t, t.__name__) for t in _tuple(types)))


def _is_real(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and not math.isnan(value)
    )


def _days(text: str) -> int | None:
    match = re.fullmatch(r"\s*(\d+)\s*d\s*", text)
    return int(match[1]) if match else None


def build_time() -> datetime.datetime:
    """Now, or the time of SOURCE_DATE_EPOCH, in UTC."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), datetime.UTC)
    return datetime.datetime.now(datetime.UTC)


def build_date() -> datetime.date:
    """Today, or the date of SOURCE_DATE_EPOCH, for builds that must repeat."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), datetime.UTC).date()
    return datetime.date.today()
