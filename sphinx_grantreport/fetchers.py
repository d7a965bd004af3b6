"""How each kind of source is fetched: an HTTP(S) download, a loader
program's output, a database query's Arrow result.

No Sphinx here. Each fetcher bounds what it takes (time and size), refuses
what is plainly not data (an HTML page where CSV was expected, nothing at
all), and turns every failure into a one-line :class:`ReportError` of subtype
``source``; the caller removes secrets from it.
"""

from __future__ import annotations

import gzip
import importlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ReportError
from .source_definitions import SourceDefinition, expand
from .version import package_version

#: How a long fetch says it is still going (a line of text).
Progress = Callable[[str], None]

#: Response types that name a format.
CONTENT_TYPES = {
    "text/csv": "csv",
    "application/csv": "csv",
    "application/json": "json",
    "application/x-ndjson": "json",
    "application/vnd.apache.parquet": "parquet",
}

_CHUNK = 1 << 16
_PROGRESS_EVERY = 2.0  # seconds


@dataclass(frozen=True)
class Fetched:
    """What a url or command gave: a file of data and its format, or (from a
    database) an Arrow record batch reader."""

    path: Path | None = None
    format: str | None = None
    arrow: Any = None


def _error(message: str) -> ReportError:
    return ReportError("source", " ".join(message.split()))


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


class _Watch:
    """A fetch's deadline, size cap and progress lines."""

    def __init__(
        self, source: SourceDefinition, progress: Progress | None, doing: str
    ) -> None:
        self.source = source
        self.doing = doing
        self.start = time.monotonic()
        self.progress = progress
        self.said = self.start

    def check(self, size: int, what: str) -> None:
        now = time.monotonic()
        if size > self.source.max_bytes:
            raise _error(
                f"{what} is larger than max_size "
                f"({_megabytes(self.source.max_bytes)}); raise max_size if it "
                "should be accepted"
            )
        if now - self.start > self.source.timeout:
            raise _error(
                f"{self.doing} took longer than {self.source.timeout:g} s "
                f"({_megabytes(size)} so far); raise timeout if it needs longer"
            )
        if self.progress and now - self.said >= _PROGRESS_EVERY:
            self.said = now
            self.progress(
                f"{self.source.name}: {_megabytes(size)} in {now - self.start:.0f} s"
            )


class _HttpOnly(urllib.request.HTTPRedirectHandler):
    """Redirects are followed (a spreadsheet's export link redirects), to
    http and https only."""

    def redirect_request(
        self, req: Any, fp: Any, code: Any, msg: Any, headers: Any, newurl: str
    ) -> Any:  # type: ignore[override]
        if urllib.parse.urlsplit(newurl).scheme.lower() not in ("http", "https"):
            raise _error(f"the server redirected to a {newurl.split(':')[0]}: address")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def download(
    source: SourceDefinition, work: Path, progress: Progress | None
) -> Fetched:
    """GET a url into ``work``, following redirects, gunzipping, within the
    source's time limit and size cap."""
    url = expand(str(source.target))
    headers = {name: expand(value) for name, value in source.headers}
    headers.setdefault("User-Agent", f"sphinx-grantreport/{package_version()}")
    headers["Accept-Encoding"] = "gzip"
    opener = urllib.request.build_opener(_HttpOnly)
    watch = _Watch(source, progress, "the download")
    raw = work / "response"
    size = 0
    try:
        with (
            opener.open(
                urllib.request.Request(url, headers=headers), timeout=source.timeout
            ) as response,
            raw.open("wb") as out,
        ):
            final = response.geturl()  # after redirects
            content_type = response.headers.get_content_type()
            encoding = (response.headers.get("Content-Encoding") or "").lower()
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit():
                watch.check(int(declared), "the response")
            while chunk := response.read1(_CHUNK):
                size += len(chunk)
                watch.check(size, "the response")
                out.write(chunk)
    except urllib.error.HTTPError as exc:
        raise _error(f"the server answered {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise _error(f"cannot reach the server: {exc.reason}") from None
    except TimeoutError:
        raise _error(f"no answer within {source.timeout:g} s") from None
    except (OSError, ValueError) as exc:  # a broken connection, a bad URL
        raise _error(f"the download failed after {size} bytes: {exc}") from None
    path = urllib.parse.urlsplit(final).path.lower()
    if encoding == "gzip" or path.endswith(".gz"):
        raw = _gunzip(raw, work / "data", watch)
        path = path.removesuffix(".gz")
    fmt = (
        source.format
        or next((f for f in ("csv", "json", "parquet") if path.endswith(f".{f}")), None)
        or CONTENT_TYPES.get(content_type)
    )
    _refuse_non_data(raw, content_type, fmt or "data")
    if fmt is None:
        raise _error(
            f"cannot tell the format of a {content_type} response: "
            "set format = 'csv', 'json' or 'parquet'"
        )
    return Fetched(raw, fmt)


def _gunzip(raw: Path, target: Path, watch: _Watch) -> Path:
    """Decompress in chunks, so a small bomb cannot fill memory or disk."""
    size = 0
    try:
        with gzip.open(raw, "rb") as stream, target.open("wb") as out:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                watch.check(size, "the decompressed response")
                out.write(chunk)
    except (OSError, EOFError, zlib.error) as exc:
        raise _error(f"the response is not valid gzip: {exc}") from None
    return target


def _refuse_non_data(path: Path, content_type: str, fmt: str) -> None:
    """Nothing, or an HTML page (a login or error page), is not data."""
    with path.open("rb") as stream:
        head = stream.read(512)
    if not head.strip():
        raise _error("the response is empty" if content_type else "no output")
    start = head.lstrip().lower()
    if content_type == "text/html" or start.startswith((b"<!doctype html", b"<html")):
        raise _error(
            f"got an HTML page where {fmt.upper()} was expected (a login or error "
            "page?); check the address, and that it needs no sign-in"
        )
    if fmt in ("csv", "json") and b"\x00" in head:
        raise _error(f"got binary data where {fmt.upper()} was expected")


def run_loader(
    source: SourceDefinition, base: Path, work: Path, progress: Progress | None
) -> Fetched:
    """Run a loader program in the project's folder, its stdout into a file,
    stopped (with its children) at the time limit or the size cap."""
    words = [expand(word) for word in source.target]
    if words[0] in ("python", "python3"):  # the Python that has this package
        words[0] = sys.executable
    out_path, err_path = work / "stdout", work / "stderr"
    watch = _Watch(source, progress, "the loader")
    with out_path.open("wb") as out, err_path.open("wb") as err:
        try:
            process = subprocess.Popen(
                words,
                cwd=base,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,  # so its children stop with it
            )
        except OSError as exc:
            raise _error(f"cannot run {words[0]!r}: {exc.strerror or exc}") from None
        try:
            while process.poll() is None:
                watch.check(out_path.stat().st_size, "the loader's output")
                time.sleep(0.05)
        except ReportError:
            _stop(process)
            raise
    if process.returncode != 0:
        said = _last_lines(err_path)
        raise _error(
            f"the loader exited with status {process.returncode}"
            + (f": {said}" if said else "")
        )
    watch.check(out_path.stat().st_size, "the loader's output")
    _refuse_non_data(out_path, "", source.format or "csv")
    return Fetched(out_path, source.format or "csv")


def _stop(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except OSError:
        process.kill()
    process.wait()


def _last_lines(path: Path, count: int = 3) -> str:
    """The end of a loader's stderr, in one line."""
    text = path.read_bytes()[-4000:].decode("utf-8", "replace")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " | ".join(lines[-count:])[:500]


def query_database(
    source: SourceDefinition, base: Path, progress: Progress | None
) -> Fetched:
    """Run the source's query in its database through an ADBC driver and take
    the result as Arrow batches, within the size cap."""
    uri = expand(str(source.target))
    family = (
        "postgresql"
        if uri.lower().startswith(("postgres://", "postgresql://"))
        else None
    )
    if source.driver:
        module, family = source.driver, None
    elif family:
        module = "adbc_driver_postgresql"
        uri = _with_option(uri, "connect_timeout", str(max(1, int(source.timeout))))
    else:
        module = "adbc_driver_sqlite"
        uri = _sqlite_uri(uri, base)
    try:
        import pyarrow as pa

        driver = importlib.import_module(f"{module}.dbapi")
    except ImportError:
        package = module.replace("_", "-")
        raise _error(
            f"the database driver {module} is not installed: pip install {package}"
        ) from None
    watch = _Watch(source, progress, "the query")
    batches = []
    size = 0
    try:
        with driver.connect(uri) as connection, connection.cursor() as cursor:
            if family == "postgresql":  # bounded, and read-only
                cursor.execute(f"SET statement_timeout = {int(source.timeout * 1000)}")
                cursor.execute("SET default_transaction_read_only = on")
            cursor.execute(source.sql)
            reader = cursor.fetch_record_batch()
            for batch in reader:
                size += batch.nbytes
                watch.check(size, "the query's result")
                batches.append(batch)
            schema = reader.schema
    except ReportError:
        raise
    except Exception as exc:  # each driver has its own error types
        message = str(exc).strip().splitlines()
        raise _error(
            f"the database query failed: {' '.join(message[:2])[:400]}"
        ) from None
    return Fetched(arrow=pa.Table.from_batches(batches, schema=schema))


def _with_option(uri: str, name: str, value: str) -> str:
    parts = urllib.parse.urlsplit(uri)
    query = urllib.parse.parse_qsl(parts.query)
    if any(key == name for key, _ in query):
        return uri
    return urllib.parse.urlunsplit(
        parts._replace(query=urllib.parse.urlencode([*query, (name, value)]))
    )


def _sqlite_uri(uri: str, base: Path) -> str:
    """``sqlite:PATH`` (relative to the project) as a read-only SQLite URI."""
    path = uri.split(":", 1)[1]
    path = path[2:] if path.startswith("//") else path
    file = (base / path).resolve()
    if not file.is_file():
        raise _error(f"no SQLite database at {path}")
    return f"file:{urllib.parse.quote(str(file))}?mode=ro"
