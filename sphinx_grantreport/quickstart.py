"""``sphinx-grantreport new DIR``: write a new report that builds at once."""

from __future__ import annotations

import argparse
import datetime
import json
import shlex
import sys
from pathlib import Path

TEMPLATES = Path(__file__).parent / "templates" / "new"

#: Each file of a new report, and the template it is written from. The
#: templates of dotfiles and of conf.py are named so that neither git nor the
#: package's linters take them for the real thing.
FILES = {
    "conf.py": "conf.py_t",
    "index.md": "index.md",
    "grantreport.toml": "grantreport.toml",
    "data/members.csv": "data/members.csv",
    "README.md": "README.md",
    "requirements.txt": "requirements.txt",
    ".readthedocs.yaml": "readthedocs.yaml",
    ".gitignore": "gitignore",
}


class TargetNotEmpty(Exception):
    """The target directory exists and holds files: refuse to write into it."""


def write_skeleton(
    target: Path, title: str, organisation: str, force: bool = False
) -> list[Path]:
    """Write a new report into ``target`` and return the files written.

    ``@@TITLE@@``, ``@@ORGANISATION@@`` and ``@@COPYRIGHT@@`` in the templates
    are replaced by their values (as string literals in ``conf.py``). Raises
    :class:`TargetNotEmpty` if ``target`` exists and is not an empty
    directory, unless ``force`` is true: then the report's files overwrite
    whatever has their names, and other files are left alone.
    """
    if target.exists() and not force and (target.is_file() or any(target.iterdir())):
        raise TargetNotEmpty(f"{target} exists and is not an empty directory")
    values = {
        "TITLE": title,
        "ORGANISATION": organisation,
        "COPYRIGHT": f"{datetime.date.today().year}, {organisation}",
    }
    written = []
    for name, template in FILES.items():
        text = (TEMPLATES / template).read_text(encoding="utf-8")
        in_python = name.endswith(".py")
        for key, value in values.items():
            literal = json.dumps(value, ensure_ascii=False) if in_python else value
            text = text.replace(f"@@{key}@@", literal)
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def add_new_command(commands: argparse._SubParsersAction) -> None:
    """``new DIR [--title ...] [--organisation ...] [--force]``."""
    new = commands.add_parser(
        "new",
        help="write a new report skeleton into a directory",
        description="Write a new report into DIR: conf.py, index.md with cards "
        "and a chart, grantreport.toml with its parameters, settings and "
        "metrics, a CSV file in data/, and files to publish it on Read the "
        "Docs. It builds with "
        "'sphinx-build -W -b html DIR DIR/_build/html'.",
    )
    new.add_argument("directory", type=Path, metavar="DIR", help="where to write")
    new.add_argument(
        "--title",
        default="Grant report",
        help="the report's title (default: %(default)s)",
    )
    new.add_argument(
        "--organisation",
        default="Our organisation",
        help="who writes the report, its author (default: %(default)s)",
    )
    new.add_argument(
        "--force",
        action="store_true",
        help="write even if DIR is not empty, overwriting files of the same name",
    )
    new.set_defaults(func=run_new)


def run_new(args: argparse.Namespace) -> int:
    try:
        written = write_skeleton(
            args.directory, args.title, args.organisation, args.force
        )
    except TargetNotEmpty as exc:
        print(f"error: {exc}; choose another or use --force", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1

    print(f"Wrote a new report to {args.directory}:")
    for path in written:
        print(f"  {path.relative_to(args.directory)}")
    directory = shlex.quote(str(args.directory))
    print(
        "\nBuild it and open _build/html/index.html:\n"
        f"  cd {directory}\n"
        "  sphinx-build -W -b html . _build/html\n"
        "\nThen edit index.md and grantreport.toml, and put your data in data/."
    )
    return 0
