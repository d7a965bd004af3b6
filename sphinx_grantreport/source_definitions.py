"""``[sources.NAME]`` of grantreport.toml: where a table really comes from (a
URL, a loader program, a database query), checked, with its secrets kept apart.

No Sphinx here. A source's text may hold ``${NAME}``: the value of an
environment variable, put in only when fetching, and removed from every
message that could show it (:func:`redact`).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import shlex
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import ReportError

KINDS = ("url", "command", "database")
FORMATS = ("csv", "json", "parquet")

#: Each field of a source and what it holds (the reference is made from it).
SOURCE_FIELD_HELP = {
    "url": "An HTTP(S) address of a CSV, JSON or Parquet file; ${NAME} reads "
    "an environment variable.",
    "command": "A loader program run in the source directory, which prints "
    "CSV, JSON or Parquet on stdout (a string, split like a shell does, or a "
    "list).",
    "database": "A connection URI (postgresql://..., sqlite:PATH); ${NAME} reads "
    "an environment variable, such as a password.",
    "sql": "With database: the query run in the database, whose result is the "
    "snapshot.",
    "driver": "With database: the ADBC driver module for another database "
    "(such as adbc_driver_snowflake).",
    "format": "csv, json or parquet: what a url or command gives (default: from "
    "the URL's suffix or the response's type; csv for a command).",
    "headers": "With url: HTTP headers, such as Authorization = 'Bearer ${TOKEN}'.",
    "refresh": "How old a snapshot may get before `fetch --stale` and "
    "grantreport_fetch = 'stale' fetch it again, such as '1d' or '6h'.",
    "max_age": "How old a snapshot may be at build time before the build warns, "
    "such as '30d'.",
    "timeout": "Seconds a fetch may take (default 60).",
    "max_size": "The largest response or output accepted, such as '200MB' "
    "(the default).",
    "description": "What the source is, for readers of the lock file.",
}

DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_BYTES = 200 * 1024 * 1024

_SECRET_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_DURATION_RE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*")
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_SIZE_RE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB)?\s*", re.IGNORECASE)
_SIZE_UNITS = {"b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3}


@dataclass(frozen=True)
class SourceDefinition:
    """One ``[sources.NAME]``: its table name, kind and what it fetches, as
    written (with ``${NAME}`` unexpanded)."""

    name: str
    kind: str
    #: the URL, the command's words or the connection URI, as written
    target: str | tuple[str, ...]
    sql: str | None = None
    driver: str | None = None
    format: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    refresh: datetime.timedelta | None = None
    max_age: datetime.timedelta | None = None
    timeout: float = DEFAULT_TIMEOUT
    max_bytes: int = DEFAULT_MAX_BYTES
    description: str = ""

    @classmethod
    def from_config(cls, name: str, entry: Any) -> SourceDefinition:
        """Check a ``[sources.NAME]`` table; every mistake is a ReportError."""

        def bad(message: str) -> ReportError:
            return ReportError("config", f"source {name!r}: {message}")

        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise bad("the name is the table's, so it must be an SQL identifier")
        if not isinstance(entry, dict):
            raise bad("must be a table with url, command or database")
        unknown = sorted(set(entry) - set(SOURCE_FIELD_HELP))
        if unknown:
            raise bad(
                f"unknown field(s) {', '.join(unknown)}; fields: "
                + ", ".join(SOURCE_FIELD_HELP)
            )
        kinds = [kind for kind in KINDS if kind in entry]
        if len(kinds) != 1:
            raise bad("needs exactly one of url, command and database")
        kind = kinds[0]
        target: str | tuple[str, ...] = entry[kind]
        if kind == "command":
            target = _command_words(target, bad)
        elif not isinstance(target, str) or not target.strip():
            raise bad(f"{kind} must be a non-empty string")
        if kind == "url" and urllib.parse.urlsplit(str(target)).scheme.lower() not in (
            "http",
            "https",
        ):
            raise bad("url must start with http:// or https://")
        sql = entry.get("sql")
        if kind == "database":
            if not isinstance(sql, str) or not sql.strip():
                raise bad("database needs an sql query, run in the database")
        elif sql is not None or "driver" in entry:
            raise bad("sql and driver go with database only")
        driver = entry.get("driver")
        if driver is not None and not (
            isinstance(driver, str) and re.fullmatch(r"[A-Za-z_][\w.]*", driver)
        ):
            raise bad("driver must name a Python module, such as adbc_driver_snowflake")
        if kind == "database" and driver is None and _scheme(str(target)) is None:
            raise bad(
                "database must start with postgresql://, postgres:// or sqlite:, "
                "or name an ADBC driver in driver"
            )
        fmt = entry.get("format")
        if fmt is not None and (kind == "database" or fmt not in FORMATS):
            raise bad(
                "format goes with url or command and is one of " + ", ".join(FORMATS)
            )
        headers = entry.get("headers", {})
        if kind != "url" and headers:
            raise bad("headers go with url only")
        if not isinstance(headers, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
        ):
            raise bad("headers must be a table of strings")
        timeout = entry.get("timeout", DEFAULT_TIMEOUT)
        if (
            isinstance(timeout, bool)
            or not isinstance(timeout, int | float)
            or timeout <= 0
        ):
            raise bad("timeout must be a positive number of seconds")
        description = entry.get("description", "")
        if not isinstance(description, str):
            raise bad("description must be a string")
        return cls(
            name=name.lower(),
            kind=kind,
            target=target,
            sql=sql,
            driver=driver,
            format=fmt,
            headers=tuple(sorted(headers.items())),
            refresh=_duration(entry.get("refresh"), "refresh", bad),
            max_age=_duration(entry.get("max_age"), "max_age", bad),
            timeout=float(timeout),
            max_bytes=_size(entry.get("max_size"), bad),
            description=description,
        )

    @property
    def fetched(self) -> str:
        """What is fetched, as the lock file and the appendix show it: the
        URL, command or connection (without any password) and query, with
        ``${NAME}`` left as written."""
        if self.kind == "command":
            return shlex.join(self.target)
        text = without_password(str(self.target))
        return f"{text}\n{self.sql.strip()}" if self.sql else text

    @property
    def digest(self) -> str:
        """A hash of what decides the snapshot's content: a changed URL,
        query or header makes the snapshot stale."""
        what: list[Any] = [self.kind, self.target, self.sql, self.driver]
        what += [self.format, self.headers]
        return hashlib.sha256(json.dumps(what).encode()).hexdigest()

    def secret_names(self) -> list[str]:
        """The environment variables the source reads."""
        texts = [self.target] if isinstance(self.target, str) else [*self.target]
        texts += [value for _, value in self.headers]
        return sorted({name for text in texts for name in _SECRET_RE.findall(text)})


def _command_words(value: Any, bad: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        try:
            words = tuple(shlex.split(value))
        except ValueError as exc:
            raise bad(f"command cannot be split into words: {exc}") from None
    elif isinstance(value, list) and all(isinstance(word, str) for word in value):
        words = tuple(value)
    else:
        raise bad("command must be a string or a list of strings")
    if not words:
        raise bad("command is empty")
    return words


def _scheme(uri: str) -> str | None:
    """The driver family a connection URI names, if we know it."""
    lowered = uri.lower()
    if lowered.startswith(("postgresql://", "postgres://")):
        return "postgresql"
    if lowered.startswith("sqlite:"):
        return "sqlite"
    return None


def _duration(value: Any, field: str, bad: Any) -> datetime.timedelta | None:
    if value is None:
        return None
    match = _DURATION_RE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise bad(f"{field} must read like '30m', '6h', '1d' or '2w'")
    seconds = float(match[1]) * _DURATION_UNITS[match[2]]
    return datetime.timedelta(seconds=seconds)


def _size(value: Any, bad: Any) -> int:
    if value is None:
        return DEFAULT_MAX_BYTES
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    match = _SIZE_RE.fullmatch(value) if isinstance(value, str) else None
    if match is None or float(match[1]) <= 0:
        raise bad("max_size must read like '200MB' or '2GB'")
    return int(float(match[1]) * _SIZE_UNITS[(match[2] or "b").lower()])


def expand(text: str, environ: Mapping[str, str] | None = None) -> str:
    """``${NAME}`` replaced by the environment variable's value."""
    environ = os.environ if environ is None else environ

    def value(match: re.Match[str]) -> str:
        if match[1] not in environ:
            raise ReportError("source", f"environment variable {match[1]} is not set")
        return environ[match[1]]

    return _SECRET_RE.sub(value, text)


#: Environment variables whose values are taken for secrets even when no
#: source names them: a loader reads its token from the environment itself.
SECRET_NAME_RE = re.compile(
    r"TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|"
    r"AUTH|CREDENTIAL",
    re.IGNORECASE,
)


def secrets(
    source: SourceDefinition, environ: Mapping[str, str] | None = None
) -> list[str]:
    """The secret values a source may put into a message, longest first, so
    that :func:`redact` removes them whole: the variables it names, those
    whose names say they are secret, and a URI's literal password."""
    environ = os.environ if environ is None else environ
    found = [environ.get(name, "") for name in source.secret_names()]
    found += [
        value
        for name, value in environ.items()
        if SECRET_NAME_RE.search(name) and len(value) >= 6
    ]
    if source.kind != "command":
        for text in (str(source.target), expand_or_keep(str(source.target), environ)):
            for password in _literal_secrets(text):
                found += [password, urllib.parse.unquote(password)]
    return sorted({value for value in found if len(value) >= 3}, key=len, reverse=True)


#: A password after ``user:`` and before ``@`` (with or without ``//``), and
#: the value of a query-string field that names a secret.
_USERINFO_RE = re.compile(r"(?:^|//|^[a-z][a-z0-9+.-]*:)[^:/@\s]+:([^@/\s]+)@", re.I)
_QUERY_SECRET_RE = re.compile(
    r"[?&;\s](?:password|passwd|pwd|token|secret|key|api_?key|access_?token|"
    r"auth|sig|signature)=([^&;\s]+)",
    re.IGNORECASE,
)


def _literal_secrets(text: str) -> list[str]:
    """Passwords and tokens written into a URI, except ``${NAME}`` ones."""
    found = [
        m[1] for m in (*_USERINFO_RE.finditer(text), *_QUERY_SECRET_RE.finditer(text))
    ]
    return [value for value in found if not _SECRET_RE.fullmatch(value)]


def expand_or_keep(text: str, environ: Mapping[str, str]) -> str:
    """``text`` expanded where its variables are set (for finding secrets)."""
    return _SECRET_RE.sub(lambda m: environ.get(m[1], m[0]), text)


def redact(message: str, hidden: list[str]) -> str:
    """A message with every secret value replaced by ``***``."""
    for value in hidden:
        message = message.replace(value, "***")
        quoted = urllib.parse.quote(value, safe="")
        if quoted != value:
            message = message.replace(quoted, "***")
    return message


def without_password(uri: str) -> str:
    """A URL or connection URI with any password or query-string token
    written literally (not as ``${NAME}``) replaced by ``***``, for showing."""
    return redact(uri, sorted(set(_literal_secrets(uri)), key=len, reverse=True))
