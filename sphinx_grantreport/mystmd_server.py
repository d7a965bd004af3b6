"""``python -m sphinx_grantreport.mystmd_server ROOT``: the one long-lived
process that the mystmd plugin starts, answering a page's request per line.

Each line in is ``{"id": N, "file": PATH, "items": [...]}``; each line out is
``{"id": N, "results": [{"nodes": [...], "warnings": [...]}, ...]}``, with the
project file's own problems (``"problems"``) on the first answer after the
report was (re)read. The report is read again when its project file or a data
file changes, so ``myst start`` shows new data on the next page it renders.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import IO, Any

from .errors import ReportError
from .mystmd_engine import MystReport


def _stamp(report: MystReport) -> tuple[tuple[str, int, int], ...]:
    """What the report was read from, by modification time and size."""
    paths = [*report.definitions.files, *report.definitions.tables.values()]
    stamps = []
    for path in sorted(set(paths)):
        try:
            status = path.stat()
        except OSError:
            stamps.append((str(path), -1, -1))
        else:
            stamps.append((str(path), status.st_mtime_ns, status.st_size))
    return tuple(stamps)


def serve(root: Path, lines: IO[str], out: IO[str]) -> None:
    """Answer requests until the plugin closes our stdin."""
    report: MystReport | None = None
    stamp: tuple[tuple[str, int, int], ...] = ()
    for line in lines:
        if not line.strip():
            continue
        reply: dict[str, Any] = {}
        try:
            request = json.loads(line)
            reply["id"] = request.get("id")
            problems = []
            if report is not None and _stamp(report) != stamp:
                report.close()
                report = None
            if report is None:
                report = MystReport(root)
                stamp = _stamp(report)
                problems = [
                    {
                        "file": problem.file,
                        "line": problem.line,
                        "message": problem.error.message,
                        "subtype": problem.error.subtype,
                    }
                    for problem in report.problems
                ]
            reply["results"] = [
                asdict(report.answer(item)) for item in request["items"]
            ]
            reply["problems"] = problems
        except ReportError as error:  # a report that cannot be read at all
            reply["error"] = f"{error.message} [grantreport.{error.subtype}]"
        except Exception as exc:  # never a silent page: the plugin says it
            reply["error"] = f"grantreport failed: {type(exc).__name__}: {exc}"
        out.write(json.dumps(reply, ensure_ascii=False, default=str) + "\n")
        out.flush()
    if report is not None:
        report.close()


def main() -> None:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd()
    out = sys.stdout
    sys.stdout = sys.stderr  # a metric function's print() must not break a line
    serve(root, sys.stdin, out)


if __name__ == "__main__":
    main()
