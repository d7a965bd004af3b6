"""Fetching sources into pinned snapshots: which sources to fetch, and each
fetched table written as Parquet with its entry in ``grantreport.lock``.

No Sphinx here; the ``fetch`` command and the build (``grantreport_fetch``)
both call :func:`fetch_sources`. A snapshot is replaced only by a complete
new one (written beside it, then renamed), so a failed fetch keeps the last
good snapshot; one whose content did not change is left untouched, and only
its fetch time moves on.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .datafiles import SNAPSHOT_DIR
from .errors import ReportError
from .fetchers import Fetched, Progress, download, query_database, run_loader
from .lock_file import (
    LOCK_FILE,
    LockEntry,
    now_utc,
    read_lock,
    write_lock,
)
from .query_check import first_line
from .settings import FETCH_POLICIES
from .source_definitions import SourceDefinition, redact, secrets

if TYPE_CHECKING:
    from .definitions import ReportDefinitions

#: When a build fetches (grantreport_fetch): never, sources with no
#: snapshot, sources whose snapshot is stale, or every source.
POLICIES = FETCH_POLICIES

_READERS = {"csv": "read_csv", "json": "read_json", "parquet": "read_parquet"}


@dataclass(frozen=True)
class FetchOutcome:
    """What fetching one source did: its new lock entry, or why it failed
    (the last snapshot is kept then)."""

    name: str
    entry: LockEntry | None = None
    error: ReportError | None = None
    #: whether the snapshot's content changed
    changed: bool = False


def snapshot_path(base: Path, name: str) -> Path:
    return base / SNAPSHOT_DIR / f"{name}.parquet"


def why_stale(
    source: SourceDefinition,
    entry: LockEntry | None,
    base: Path,
    now: datetime.datetime,
) -> str | None:
    """Why a source should be fetched again under the "stale" policy."""
    if entry is None or not snapshot_path(base, source.name).is_file():
        return "no snapshot yet"
    if entry.definition != source.digest:
        return "its definition changed"
    if source.refresh is not None and entry.age(now) > source.refresh:
        return f"fetched {entry.fetched_at}, older than refresh"
    return None


def chosen(
    sources: Mapping[str, SourceDefinition],
    base: Path,
    policy: str,
    names: Sequence[str] = (),
    now: datetime.datetime | None = None,
) -> list[SourceDefinition]:
    """The sources a policy fetches (only those named, if any are)."""
    now = now or now_utc()
    entries = read_lock(base / LOCK_FILE).entries
    picked = [sources[name] for name in names] if names else list(sources.values())
    if policy == "never":
        return []
    if policy == "missing":
        return [
            source
            for source in picked
            if why_stale(source, entries.get(source.name), base, now)
            == "no snapshot yet"
        ]
    if policy == "stale":
        return [
            source
            for source in picked
            if why_stale(source, entries.get(source.name), base, now)
        ]
    return picked


def fetch_sources(
    sources: Sequence[SourceDefinition],
    base: Path,
    progress: Progress | None = None,
    environ: Mapping[str, str] | None = None,
    keep: Sequence[str] | None = None,
) -> list[FetchOutcome]:
    """Fetch each source into its snapshot and record it in the lock file.

    ``keep`` names the sources still defined: lock entries of others are
    dropped (their files stay).
    """
    lock_path = base / LOCK_FILE
    lock = read_lock(lock_path)
    entries = dict(lock.entries)
    outcomes = []
    for source in sources:
        hidden = secrets(source, environ)
        try:
            entry, changed = _fetch(source, base, entries.get(source.name), progress)
        except ReportError as error:
            message = redact(error.message, hidden)
            outcomes.append(
                FetchOutcome(source.name, error=ReportError("source", message))
            )
            continue
        entries[source.name] = entry
        outcomes.append(FetchOutcome(source.name, entry, changed=changed))
    if keep is not None:
        entries = {name: entry for name, entry in entries.items() if name in keep}
    if entries != lock.entries or lock.problem:
        write_lock(lock_path, entries)
    return outcomes


def _fetch(
    source: SourceDefinition,
    base: Path,
    previous: LockEntry | None,
    progress: Progress | None,
) -> tuple[LockEntry, bool]:
    target = snapshot_path(base, source.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    fetched_at = now_utc()
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".fetch-") as folder:
        work = Path(folder)
        if source.kind == "url":
            fetched = download(source, work, progress)
        elif source.kind == "command":
            fetched = run_loader(source, base, work, progress)
        else:
            fetched = query_database(source, base, progress)
        written = work / "snapshot.parquet"
        rows, columns = _write_parquet(fetched, written, source)
        with written.open("rb") as stream:
            digest = hashlib.file_digest(stream, "sha256").hexdigest()
        changed = not (
            previous is not None and previous.sha256 == digest and target.is_file()
        )
        if changed:
            written.replace(target)
        else:  # the same data, confirmed now: pages showing its as-of redo
            os.utime(target)
    entry = LockEntry(
        kind=source.kind,
        fetched=source.fetched,
        snapshot=target.relative_to(base).as_posix(),
        fetched_at=fetched_at.isoformat(),
        sha256=digest,
        rows=rows,
        columns=columns,
        format=fetched.format,
        definition=source.digest,
        description=source.description,
    )
    return entry, changed


def _write_parquet(
    fetched: Fetched, target: Path, source: SourceDefinition
) -> tuple[int, tuple[tuple[str, str], ...]]:
    """Read what was fetched with DuckDB (the readers the build uses for data
    files) and write it as one Parquet file."""
    import duckdb

    connection = duckdb.connect(
        ":memory:",
        config={
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            # what was fetched may be hostile: bounded like a build's queries
            "memory_limit": "2GB",
            "threads": 2,
        },
    )
    try:
        if fetched.arrow is not None:
            connection.register("fetched", fetched.arrow)
            select = f"SELECT {_arrow_columns(fetched.arrow.schema)} FROM fetched"
        else:
            assert fetched.path is not None and fetched.format is not None
            literal = "'" + str(fetched.path).replace("'", "''") + "'"
            select = f"SELECT * FROM {_READERS[fetched.format]}({literal})"
        try:
            connection.execute(f"CREATE TABLE snapshot AS {select}")
        except duckdb.Error as exc:
            what = (fetched.format or "data").upper()
            said = first_line(exc).replace(str(fetched.path), "the download")
            raise ReportError(
                "source", f"cannot read what {source.kind} gave as {what}: {said}"
            ) from None
        literal = "'" + str(target).replace("'", "''") + "'"
        connection.execute(
            f"COPY snapshot TO {literal} (FORMAT parquet, COMPRESSION zstd)"
        )
        rows = int(connection.execute("SELECT count(*) FROM snapshot").fetchall()[0][0])
        if rows == 0:  # an emptied sheet or a failed query must not wipe a report
            raise ReportError(
                "source",
                f"the {source.kind} gave no rows; the snapshot is not replaced",
            )
        described = connection.execute("DESCRIBE snapshot").fetchall()
    finally:
        connection.close()
    return rows, tuple((str(row[0]), str(row[1])) for row in described)


def _arrow_columns(schema: Any) -> str:
    """The select list over a database's Arrow result: PostgreSQL's NUMERIC
    arrives as text, and becomes DECIMAL (or DOUBLE when unbounded)."""
    columns = []
    for field in schema:
        quoted = '"' + field.name.replace('"', '""') + '"'
        metadata = {
            key.decode(): value.decode()
            for key, value in (field.metadata or {}).items()
        }
        if metadata.get("POSTGRESQL:type") == "numeric":
            columns.append(f"CAST({quoted} AS {_numeric_type(metadata)}) AS {quoted}")
        else:
            columns.append(quoted)
    return ", ".join(columns) or "*"


def _numeric_type(metadata: Mapping[str, str]) -> str:
    modifier = int(metadata.get("POSTGRESQL:typmod", "-1") or -1)
    if modifier >= 4:
        precision, scale = (modifier - 4) >> 16, (modifier - 4) & 0xFFFF
        if 0 < precision <= 38 and scale <= precision:
            return f"DECIMAL({precision}, {scale})"
    return "DOUBLE"


def snapshot_doubt(
    source: SourceDefinition, entry: LockEntry, path: Path, now: datetime.datetime
) -> str | None:
    """Why a build should not trust a snapshot quietly: it is not the file
    the lock pinned, or older than its source's max_age."""
    with path.open("rb") as stream:
        digest = hashlib.file_digest(stream, "sha256").hexdigest()
    if digest != entry.sha256:
        return (
            f"{entry.snapshot} is not the snapshot grantreport.lock pinned "
            f"(sha256 {digest[:12]}, not {entry.sha256[:12]}): fetch "
            f"{source.name!r} again, or restore the file"
        )
    if source.max_age is None or entry.age(now) <= source.max_age:
        return None
    days = entry.age(now).days
    return (
        f"source {source.name!r} was fetched {entry.fetched_at} ({days} days ago), "
        f"longer ago than its max_age; run 'sphinx-grantreport fetch {source.name}'"
    )


def snapshot_doubts(
    definitions: ReportDefinitions, now: datetime.datetime
) -> dict[str, tuple[ReportError, str | None]]:
    """Each source whose snapshot is not the pinned file or older than its
    max_age, with the warning and its place (the source's entry in
    grantreport.toml, as ``file:line``)."""
    doubts = {}
    for name, entry in definitions.snapshots.items():
        path = definitions.tables.get(name)
        if path is None:
            continue
        message = snapshot_doubt(definitions.sources[name], entry, path, now)
        if message is not None:
            file, line = definitions.source_places.get(name, (None, None))
            place = f"{file}:{line or ''}" if file else None
            doubts[name] = (ReportError("source", message), place)
    return doubts
