"""What the extension keeps on the build environment: the report's
definitions and this process's session, each made on first use.

Of all that, only this module is loaded before a page is read: the
definitions, engine and metrics are imported where they are first needed,
so a no-op rebuild imports none of them (profiled, importing them was 33 ms
of a 0.6 s no-op rebuild, most of what it cost beyond Sphinx's own).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

from .errors import ReportError
from .project_file import ProjectFile
from .report_warnings import warn, warn_problems
from .settings import ReportSettings

if TYPE_CHECKING:
    from .definitions import ReportDefinitions
    from .page_sets import EntityPage, PageSet
    from .session import Session


class BuildState:
    """What the extension keeps on the build environment (``env.grantreport``):
    this build's definitions, resolved when first used (a build with nothing
    to read resolves none), and this process's session. Neither is pickled
    with the environment: each build makes them anew."""

    def __init__(
        self,
        srcdir: Path | None = None,
        confdir: Path | None = None,
        settings: ReportSettings | None = None,
        project: ProjectFile | None = None,
        language: str | None = None,
        doctreedir: Path | None = None,
    ) -> None:
        self._inputs = (srcdir, confdir, settings, project, language)
        self._spill_dir = doctreedir / "grantreport-spill" if doctreedir else None
        self._definitions: ReportDefinitions | None = None
        self._session: Session | None = None
        #: this build's entity pages, by document name (see entity_pages)
        self.pages: dict[str, EntityPage] = {}
        #: each page set's index page: its set and pages
        self.page_indexes: dict[str, tuple[PageSet, list[EntityPage]]] = {}
        #: entity pages of the last build whose rows are gone
        self.removed_pages: list[str] = []

    @property
    def has_page_sets(self) -> bool:
        """Whether the project file has [pages.*] (known without resolving
        the definitions, which a no-op rebuild never does)."""
        project = self._inputs[3]
        return bool(project is not None and project.pages)

    @property
    def has_sources(self) -> bool:
        """Whether the project file has [sources.*] (known without resolving)."""
        project = self._inputs[3]
        return bool(project is not None and project.sources)

    def where(self, key: str) -> tuple[str | None, int | None]:
        """The file and line of a section of the project file."""
        project = self._inputs[3]
        return project.where(key) if project is not None else (None, None)

    def __reduce__(self) -> tuple[Any, ...]:
        return (BuildState, ())

    @property
    def definitions(self) -> ReportDefinitions:
        if self._definitions is None:
            from .definitions import resolve

            srcdir, confdir, settings, project, language = self._inputs
            assert srcdir is not None and confdir is not None, "before builder-inited"
            self._definitions, problems = resolve(
                srcdir,
                confdir,
                settings or ReportSettings(),
                project or ProjectFile(),
                language,
            )
            warn_problems(problems)
        return self._definitions

    @property
    def session(self) -> Session:
        """This process's session, made on first use."""
        if self._session is None or self._session.pid != os.getpid():
            from .session import Session

            self._session = Session(self.definitions, self._spill_dir, self.pages)
        return self._session

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None


def build_state(env: BuildEnvironment) -> BuildState:
    state = env.__dict__.get("grantreport")
    if not isinstance(state, BuildState):
        state = env.__dict__["grantreport"] = BuildState()
    return state


def get_session(env: BuildEnvironment) -> Session:
    """This process's session for this build."""
    return build_state(env).session


def _resolve_before_reading(
    app: Sphinx, env: BuildEnvironment, docnames: list[str]
) -> None:
    """Resolve the definitions and find the data files before pages are read
    (``env-before-read-docs``), so that parallel readers share them and their
    problems are reported once."""
    if docnames:
        from .datafiles import DATA_DIR

        data = build_state(env).definitions.data
        for problem in data.problems:
            warn(ReportError("data", problem), f"{Path(env.srcdir) / DATA_DIR}:")


def _close(app: Sphinx, exception: Exception | None) -> None:
    """Release the DuckDB connection at the end of a build."""
    build_state(app.env).close()


def setup_build_state(app: Sphinx) -> None:
    app.connect("env-before-read-docs", _resolve_before_reading)
    app.connect("build-finished", _close)
