"""Builds real Sphinx projects from the roots under tests/roots/."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from sphinx.testing.util import SphinxTestApp

pytest_plugins = ("sphinx.testing.fixtures",)

ROOTS = Path(__file__).parent / "roots"
_ESCAPES = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="session")
def rootdir() -> Path:
    return ROOTS


class Project:
    """A copy of a test root in a temporary directory, built with Sphinx."""

    def __init__(
        self,
        srcdir: Path,
        make_app: Callable[..., SphinxTestApp],
        apps: list[SphinxTestApp],
    ) -> None:
        self.srcdir = srcdir
        self._make_app = make_app
        self._apps = apps
        self.app: SphinxTestApp | None = None
        self.read_docs: list[str] = []

    def write(self, name: str, text: str) -> Path:
        path = self.srcdir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def build(
        self, buildername: str = "html", *, fresh: bool = False, **kwargs: object
    ) -> SphinxTestApp:
        # One app at a time: an app left set up makes the next one warn that
        # its nodes and directives are "already registered".
        while self._apps:
            self._apps.pop().cleanup()
        self.app = self._make_app(
            buildername, srcdir=self.srcdir, freshenv=fresh, **kwargs
        )
        self._apps.append(self.app)
        self.read_docs = []
        self.app.connect(
            "source-read", lambda app, docname, source: self.read_docs.append(docname)
        )
        self.app.build()
        return self.app

    @property
    def outdir(self) -> Path:
        assert self.app is not None
        return Path(self.app.outdir)

    def html(self, page: str = "index") -> str:
        return (self.outdir / f"{page}.html").read_text(encoding="utf-8")

    def text(self, page: str = "index") -> str:
        return (self.outdir / f"{page}.txt").read_text(encoding="utf-8")

    @property
    def warnings(self) -> str:
        assert self.app is not None
        return _ESCAPES.sub("", self.app.warning.getvalue())


@pytest.fixture
def project(
    tmp_path: Path, make_app: Callable[..., SphinxTestApp]
) -> Callable[..., Project]:
    """``project("basic")`` copies ``tests/roots/test-basic`` and returns it."""

    apps: list[SphinxTestApp] = []

    def copy(root: str, name: str | None = None) -> Project:
        srcdir = tmp_path / (name or root)
        shutil.copytree(ROOTS / f"test-{root}", srcdir)
        return Project(srcdir, make_app, apps)

    return copy
