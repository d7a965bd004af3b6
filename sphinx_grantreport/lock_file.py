"""``grantreport.lock``: what each source's snapshot holds and where it came
from, so that a build reads pinned data and a refresh shows in review.

No Sphinx here. The file is JSON with sorted keys, one entry per source, and
is written whole to a temporary file, then renamed: a fetch that fails half
way never leaves a broken lock.
"""

from __future__ import annotations

import datetime
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

LOCK_FILE = "grantreport.lock"

LOCK_VERSION = 1


@dataclass(frozen=True)
class LockEntry:
    """One source's snapshot: what was fetched (never a secret), when, and
    what came back."""

    kind: str
    fetched: str
    snapshot: str
    fetched_at: str
    sha256: str
    rows: int
    columns: tuple[tuple[str, str], ...] = ()
    format: str | None = None
    #: a hash of the source's definition when it was fetched
    definition: str = ""
    description: str = ""

    @property
    def fetched_time(self) -> datetime.datetime:
        return datetime.datetime.fromisoformat(self.fetched_at)

    def age(self, now: datetime.datetime) -> datetime.timedelta:
        return now - self.fetched_time


@dataclass(frozen=True)
class Lock:
    """The entries of a lock file, and why it could not be read, if so."""

    entries: dict[str, LockEntry] = field(default_factory=dict)
    problem: str | None = None


def read_lock(path: Path) -> Lock:
    """The lock file's entries (none if it does not exist yet)."""
    if not path.is_file():
        return Lock()
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
        entries = {
            name: _entry(value) for name, value in content.get("sources", {}).items()
        }
    except (OSError, ValueError, TypeError, AttributeError, KeyError) as exc:
        return Lock(problem=f"cannot read {path.name}: {exc}")
    return Lock(entries)


def _entry(value: dict[str, Any]) -> LockEntry:
    columns = tuple((str(name), str(kind)) for name, kind in value.pop("columns", []))
    entry = LockEntry(columns=columns, **value)
    entry.fetched_time  # noqa: B018 (a bad time fails here, not at use)
    return entry


def write_lock(path: Path, entries: dict[str, LockEntry]) -> None:
    """Write the lock file atomically, entries sorted by name."""
    content = {
        "version": LOCK_VERSION,
        "sources": {
            name: {**asdict(entries[name]), "columns": entries[name].columns}
            for name in sorted(entries)
        },
    }
    text = json.dumps(content, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    replace_atomically(path, text.encode("utf-8"))


def replace_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file beside it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def now_utc() -> datetime.datetime:
    """The time a fetch is recorded at: UTC, to the second."""
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0)
