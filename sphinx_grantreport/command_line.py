"""``sphinx-grantreport`` (or ``python -m sphinx_grantreport``): the
commands around a report: ``new``, ``fetch``, ``diff`` and ``myst init``."""

from __future__ import annotations

import argparse

from .diff_command import add_diff_command
from .fetch_command import add_fetch_command
from .mystmd_init import add_myst_command
from .quickstart import add_new_command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="sphinx-grantreport",
        description="Tools for reports built with sphinx-grantreport.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    add_new_command(commands)
    add_fetch_command(commands)
    add_diff_command(commands)
    add_myst_command(commands)
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result
