"""The settings in Sphinx: each field of :class:`ReportSettings` registered as
a ``grantreport_*`` config value, the project file's ``[settings]`` merged in
at ``config-inited`` (conf.py and ``-D`` win), and the report's definitions
resolved once per build and attached to the environment."""

from __future__ import annotations

from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config

from .build_state import BuildState
from .project_file import ProjectFile, find_project_file, read_project_file
from .report_warnings import warn_problems
from .settings import PREFIX, ReportSettings, default_of, setting_fields

#: Where config-inited leaves the project file for builder-inited (a private
#: name: Sphinx does not pickle it with the config).
_PROJECT = "_grantreport_project"


def _set_in_conf(config: Config, name: str) -> bool:
    """Whether conf.py or ``-D`` sets a value (then it wins over the file)."""
    return name in config._raw_config or name in config._overrides


def read_project(app: Sphinx, config: Config) -> None:
    """Read grantreport.toml beside conf.py and merge its ``[settings]``
    into the config (``config-inited``), so that Sphinx's own checks and
    rebuild rules apply to them as to conf.py's values."""
    path = find_project_file(Path(app.confdir))
    project = read_project_file(path) if path else ProjectFile()
    for name, value in project.settings.items():
        if not _set_in_conf(config, PREFIX + name):
            config[PREFIX + name] = value
    setattr(config, _PROJECT, project)
    # Sphinx checks the types of conf.py's values itself
    conf = str(Path(app.confdir) / "conf.py")
    settings = _settings_of(config)
    warn_problems([*settings.problems(conf, check_types=False), *project.problems])


def _settings_of(config: Config) -> ReportSettings:
    return ReportSettings.from_values(
        {spec.name: config[PREFIX + spec.name] for spec in setting_fields()}
    )


def attach_definitions(app: Sphinx) -> None:
    """Give the environment this build's state (``builder-inited``); the
    definitions are resolved from it when first used."""
    app.env.__dict__["grantreport"] = BuildState(
        Path(app.srcdir),
        Path(app.confdir),
        _settings_of(app.config),
        getattr(app.config, _PROJECT, None) or ProjectFile(),
        app.config.language,
        Path(app.doctreedir),
    )


def setup_config(app: Sphinx) -> None:
    for spec in setting_fields():
        app.add_config_value(
            PREFIX + spec.name,
            default_of(spec),
            spec.metadata["rebuild"],
            spec.metadata["types"],
            description=spec.metadata["help"],
        )
    app.connect("config-inited", read_project, priority=400)
    app.connect("builder-inited", attach_definitions, priority=400)
