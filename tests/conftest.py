"""Builds real Sphinx projects from the roots under tests/roots/: ``project``
for a test of its own, ``built`` for a build that the tests of a module share;
and ``@pytest.mark.tool_missing`` for the tests that need TeX or a browser."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from io import StringIO
from pathlib import Path

import pytest
from sphinx.testing.util import SphinxTestApp

pytest_plugins = ("sphinx.testing.fixtures",)

ROOTS = Path(__file__).parent / "roots"
_ESCAPES = re.compile(r"\x1b\[[0-9;]*m")

#: CI sets GRANTREPORT_REQUIRE_TOOLS=1: there a test that needs TeX, Chromium
#: or Playwright fails when the tool is missing, instead of skipping.
REQUIRE_TOOLS = os.environ.get("GRANTREPORT_REQUIRE_TOOLS") == "1"

#: Sphinx colours its messages when CI=true (or FORCE_COLOR) is set, even into
#: a pipe: the builds that tests run in a process of their own must print the
#: same plain text on a CI machine as here.
os.environ["NO_COLOR"] = "1"


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """``@pytest.mark.tool_missing(condition, reason=...)`` skips a test, like
    ``skipif``, when ``condition`` is true, and fails it with the same reason
    under GRANTREPORT_REQUIRE_TOOLS=1. Checked before any fixture is set up."""
    for mark in item.iter_markers("tool_missing"):
        condition = mark.args[0] if mark.args else mark.kwargs["condition"]
        if condition:
            reason = mark.kwargs.get("reason", "a tool is missing")
            if REQUIRE_TOOLS:
                pytest.fail(f"{reason} (GRANTREPORT_REQUIRE_TOOLS=1)", pytrace=False)
            pytest.skip(reason)


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
        #: Set on a project that several tests read (see ``built``).
        self.read_only = False

    def _check_writable(self) -> None:
        if self.read_only:
            raise RuntimeError(
                "this project is built once for the whole module and shared: "
                "a test that changes or rebuilds it needs its own `project`"
            )

    def write(self, name: str, text: str) -> Path:
        self._check_writable()
        path = self.srcdir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def build(
        self, buildername: str = "html", *, fresh: bool = False, **kwargs: object
    ) -> SphinxTestApp:
        self._check_writable()
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


def _copy_root(root: str | Path, srcdir: Path) -> None:
    """Copy a root of tests/roots/ (by name) or any source directory (a path)."""
    source = ROOTS / f"test-{root}" if isinstance(root, str) else root
    shutil.copytree(source, srcdir, ignore=shutil.ignore_patterns("_build"))


@pytest.fixture
def project(
    tmp_path: Path, make_app: Callable[..., SphinxTestApp]
) -> Callable[..., Project]:
    """``project("basic")`` copies ``tests/roots/test-basic`` and returns it."""

    apps: list[SphinxTestApp] = []

    def copy(root: str, name: str | None = None) -> Project:
        srcdir = tmp_path / (name or root)
        _copy_root(root, srcdir)
        return Project(srcdir, make_app, apps)

    return copy


def _new_app(*args: object, **kwargs: object) -> SphinxTestApp:
    """A SphinxTestApp with its own status and warning streams (what
    ``make_app`` gives, for fixtures wider than a test)."""
    return SphinxTestApp(*args, status=StringIO(), warning=StringIO(), **kwargs)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Project]]:
    """``built("figures")`` copies a root and builds it once for the whole
    module: the tests of a module that only read one build's output share it.
    ``built(root, buildername="html", name=None, **app_options)`` takes a root
    of tests/roots/ by name or any source directory as a path; the same
    arguments give the same, read-only, ``Project`` (``write`` and ``build``
    raise). A test that changes files or needs its own build uses ``project``.
    """
    projects: dict[str, Project] = {}
    apps: list[SphinxTestApp] = []

    def build(
        root: str | Path,
        buildername: str = "html",
        *,
        name: str | None = None,
        **kwargs: object,
    ) -> Project:
        key = repr((str(root), buildername, name, sorted(kwargs.items())))
        if key not in projects:
            label = name or (root if isinstance(root, str) else root.name)
            srcdir = tmp_path_factory.mktemp(label) / label
            _copy_root(root, srcdir)
            result = Project(srcdir, _new_app, apps)
            try:
                result.build(buildername, **kwargs)
            finally:
                # The output, warnings and environment stay readable; the
                # global state of docutils and Sphinx goes, so that the next
                # build (of this module or of a test's own project) starts clean.
                while apps:
                    apps.pop().cleanup()
            result.read_only = True
            projects[key] = result
        return projects[key]

    yield build
    while apps:
        apps.pop().cleanup()


#: Debian's Chromium, driven by Playwright, for the tests that look at pages.
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
try:
    from playwright import sync_api as playwright
except ImportError:  # the tests skip, or fail under GRANTREPORT_REQUIRE_TOOLS=1
    playwright = None

#: ``pytestmark = NEEDS_BROWSER`` in a module of browser tests.
NEEDS_BROWSER = [
    pytest.mark.tool_missing(
        playwright is None, reason="needs Playwright: pip install playwright"
    ),
    pytest.mark.tool_missing(
        not Path(CHROMIUM).exists(),
        reason="needs Debian's chromium: apt-get install chromium",
    ),
]


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module."""
    with playwright.sync_playwright() as driver:
        launched = driver.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield launched
        launched.close()
