"""``sphinx-grantreport fetch [NAME ...]``: fetch sources into their
snapshots and lock entries, outside any build."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .definitions import resolve
from .project_file import find_project_file, read_project_file
from .settings import ReportSettings
from .snapshots import chosen, fetch_sources


def add_fetch_command(commands: argparse._SubParsersAction) -> None:
    fetch = commands.add_parser(
        "fetch",
        help="fetch [sources] into pinned snapshots (grantreport.lock)",
        description="Fetch each [sources.NAME] of grantreport.toml (all, or "
        "those named) into snapshots/NAME.parquet and record it in "
        "grantreport.lock. A source that fails keeps its last snapshot; the "
        "exit status is 1 then.",
    )
    fetch.add_argument("names", nargs="*", metavar="NAME", help="sources to fetch")
    fetch.add_argument(
        "--stale",
        action="store_true",
        help="only sources with no snapshot, older than their refresh, or "
        "whose definition changed",
    )
    fetch.add_argument(
        "-C",
        "--directory",
        type=Path,
        default=Path("."),
        help="the folder of grantreport.toml (default: the current one)",
    )
    fetch.set_defaults(func=run_fetch)


def run_fetch(args: argparse.Namespace) -> int:
    directory: Path = args.directory
    path = find_project_file(directory)
    if path is None:
        print(f"error: no grantreport.toml in {directory}", file=sys.stderr)
        return 2
    project = read_project_file(path)
    definitions, problems = resolve(
        directory, directory, ReportSettings(), project, None
    )
    for problem in [*project.problems, *problems]:
        if "source" in problem.error.message:
            place = f"{path.name}:{problem.line}: " if problem.line else ""
            print(f"warning: {place}{problem.error.message}", file=sys.stderr)
    sources = definitions.sources
    unknown = [name for name in args.names if name.lower() not in sources]
    if unknown:
        known = ", ".join(sorted(sources)) or "none"
        print(
            f"error: no source named {', '.join(unknown)} (sources: {known})",
            file=sys.stderr,
        )
        return 2
    names = [name.lower() for name in args.names]
    base = definitions.base_dir
    picked = chosen(sources, base, "stale" if args.stale else "always", names)
    if not picked:
        print("Nothing to fetch: every snapshot is up to date.")
        return 0

    def progress(line: str) -> None:
        print(f"  {line}", file=sys.stderr, flush=True)

    failed = 0
    for source in picked:
        print(f"Fetching {source.name} ({source.kind}) ...", flush=True)
        [outcome] = fetch_sources([source], base, progress, keep=list(sources))
        if outcome.error is not None:
            failed += 1
            line = definitions.source_places.get(source.name, (None, None))[1]
            place = f"{path.name}:{line}: " if line else ""
            print(
                f"error: {place}{source.name}: {outcome.error.message} "
                "(the last snapshot is kept)",
                file=sys.stderr,
            )
        elif outcome.entry is not None:
            entry = outcome.entry
            change = "new data" if outcome.changed else "unchanged"
            print(
                f"  {entry.rows} rows, {len(entry.columns)} columns -> "
                f"{entry.snapshot} ({change}, sha256 {entry.sha256[:12]})"
            )
    return 1 if failed else 0
