"""``sphinx-grantreport myst init [DIR]``: put the plugin into a mystmd (or
Jupyter Book 2) project and list it in its ``myst.yml``; running it again
updates the plugin and changes nothing else."""

from __future__ import annotations

import argparse
import json
import re
import sys
from importlib.resources import files
from pathlib import Path

import yaml

from .mystmd_engine import DIRECTIVE_OPTIONS, FLAG_OPTIONS

PLUGIN_FILE = "grantreport.mjs"

_ENTRY = ["- type: javascript", f"  path: {PLUGIN_FILE}"]


def plugin_text(python: str = sys.executable) -> str:
    """The plugin, with the Python that runs the engine and the options."""
    template = files("sphinx_grantreport").joinpath("mystmd_plugin", PLUGIN_FILE)
    text = template.read_text(encoding="utf-8")
    text = text.replace("'@@PYTHON@@'", json.dumps(python))
    options = {
        directive: {
            name: "boolean" if name in FLAG_OPTIONS else "string" for name in names
        }
        for directive, names in DIRECTIVE_OPTIONS.items()
    }
    return text.replace("@@OPTIONS@@", json.dumps(options, indent=2))


def listed(config: object) -> bool:
    """Whether a myst.yml's content lists the plugin."""
    project = config.get("project") if isinstance(config, dict) else None
    plugins = project.get("plugins") if isinstance(project, dict) else None
    return isinstance(plugins, list) and any(
        (entry.get("path") if isinstance(entry, dict) else entry) == PLUGIN_FILE
        for entry in plugins
    )


def with_plugin(text: str) -> str:
    """myst.yml's text with the plugin added to ``project: plugins:``, its
    comments and layout kept."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if re.fullmatch(r"\s+plugins:\s*(#.*)?", line):
            indent = len(line) - len(line.lstrip()) + 2
            lines[index + 1 : index + 1] = [" " * indent + part for part in _ENTRY]
            return "\n".join(lines) + "\n"
    for index, line in enumerate(lines):
        if re.fullmatch(r"project:\s*(#.*)?", line):
            entry = ["  plugins:", *("    " + part for part in _ENTRY)]
            lines[index + 1 : index + 1] = entry
            return "\n".join(lines) + "\n"
    entry = ["project:", "  plugins:", *("    " + part for part in _ENTRY)]
    return "\n".join([*lines, *entry]) + "\n"


def init(directory: Path) -> list[str]:
    """Write the plugin and list it; say what was done, a line each."""
    said = []
    plugin = directory / PLUGIN_FILE
    text = plugin_text()
    if not plugin.exists() or plugin.read_text(encoding="utf-8") != text:
        said.append(f"{'updated' if plugin.exists() else 'wrote'} {plugin}")
        directory.mkdir(parents=True, exist_ok=True)
        plugin.write_text(text, encoding="utf-8")
    config = directory / "myst.yml"
    current = config.read_text(encoding="utf-8") if config.exists() else "version: 1\n"
    if not listed(yaml.safe_load(current)):
        changed = with_plugin(current)
        if not listed(yaml.safe_load(changed)):
            raise ValueError(
                f"cannot add the plugin to {config}: add it under project: "
                f"plugins: as {{type: javascript, path: {PLUGIN_FILE}}}"
            )
        config.write_text(changed, encoding="utf-8")
        said.append(f"listed {PLUGIN_FILE} in {config} under project: plugins:")
    return said


def add_myst_command(commands: argparse._SubParsersAction) -> None:
    myst = commands.add_parser(
        "myst", help="use the report with the MyST Document Engine (mystmd)"
    )
    actions = myst.add_subparsers(dest="action", required=True)
    start = actions.add_parser(
        "init",
        help="add the plugin to a mystmd project",
        description=f"Write {PLUGIN_FILE} into DIR and list it in DIR/myst.yml, "
        "so that `myst build` computes the {kpi} roles and kpi-* directives "
        "from grantreport.toml. Run it again after upgrading sphinx-grantreport.",
    )
    start.add_argument("directory", nargs="?", type=Path, default=Path("."))
    start.set_defaults(func=run_init)


def run_init(args: argparse.Namespace) -> int:
    try:
        said = init(args.directory)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for line in said or [f"{args.directory} is already set up; nothing to do"]:
        print(line)
    print(f"The plugin runs {sys.executable} (set GRANTREPORT_PYTHON to change it).")
    return 0
