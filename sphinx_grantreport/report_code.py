"""The report's own Python: modules of the source directory that metric
functions and ``:plot:`` functions live in. No Sphinx here.

They are trusted like conf.py, but a page names which function to call, so
only modules of the source directory may be named (never an installed
module: ``os:abort`` would kill the build, ``signal:pause`` hang it), and
whatever the call raises, ``SystemExit`` included, is a report error rather
than the end of the build; a call that runs too long is stopped where the
platform allows (a timer signal in the main thread).
"""

from __future__ import annotations

import importlib
import importlib.machinery
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any

from .errors import ReportError

#: conf.py is the report's configuration, not a module of functions.
NOT_MODULES = {"conf"}


class ReportCode:
    """Imports ``module:function`` references from one source directory."""

    def __init__(self, search_path: Path, timeout: float = 10.0) -> None:
        self.search_path = search_path
        self.timeout = timeout
        self._forgot_old_modules = False
        self._helpers: dict[str, dict[str, ModuleType]] = {}  # per module imported

    def load(self, reference: str) -> tuple[Callable[..., Any], tuple[Path, ...]]:
        """Import ``module:function`` from the source directory, and the files
        of the source directory's modules it uses (its helpers), so that a page
        and a chart depend on them all.

        The report's modules are imported afresh by each instance (once per
        build), so that an edited file is seen by the next build in the same
        process."""
        if not self._forgot_old_modules:
            for name in _REPORT_MODULES:
                sys.modules.pop(name, None)
            importlib.invalidate_caches()  # see files added since
            self._forgot_old_modules = True
        module_name, _, attribute = reference.partition(":")
        self._check_is_ours(module_name, reference)
        imported_before = set(sys.modules)
        sys.path.insert(0, str(self.search_path))
        try:
            module = self.call(
                importlib.import_module, (module_name,), f"importing {module_name!r}"
            )
        finally:
            sys.path.remove(str(self.search_path))
        # Its helpers: the source dir's modules it refers to, and those that
        # importing it brought in (``from helpers import LIMIT`` names no module).
        found = _local_modules(module, self.search_path) + [
            sys.modules[name]
            for name in sorted(set(sys.modules) - imported_before)
            if _is_under(sys.modules[name], self.search_path)
        ]
        helpers = self._helpers.setdefault(module_name, {})
        helpers.update((used.__name__, used) for used in found if used is not module)
        _REPORT_MODULES.update(helpers)
        _REPORT_MODULES.add(module_name)
        function = getattr(module, attribute, None)
        if not callable(function):
            raise ReportError(
                "function", f"module {module_name!r} has no function {attribute!r}"
            )
        modules = [module, *helpers.values()]
        return function, tuple(
            Path(str(used.__file__))
            for used in modules
            if getattr(used, "__file__", None)
        )

    def call(
        self,
        function: Callable[..., Any],
        args: tuple[Any, ...],
        what: str,
        subtype: str = "function",
    ) -> Any:
        """Call the report's code; anything it raises but a real interrupt is
        a :class:`ReportError` of ``subtype``."""
        try:
            with _time_limit(self.timeout, what):
                return function(*args)
        except ReportError:
            raise
        except (KeyboardInterrupt, _TimeUp):
            if sys.exc_info()[0] is KeyboardInterrupt:
                raise
            raise ReportError(
                subtype,
                f"{what} ran longer than {self.timeout:g} s "
                "(grantreport_query_timeout)",
            ) from None
        except BaseException as exc:  # SystemExit too: it must not end the build
            raise ReportError(
                subtype, f"{what} raised {type(exc).__name__}: {exc}"
            ) from None

    def _check_is_ours(self, module_name: str, reference: str) -> None:
        top = module_name.split(".")[0]
        spec = importlib.machinery.PathFinder.find_spec(top, [str(self.search_path)])
        loaded = sys.modules.get(top)
        if (
            top in NOT_MODULES
            or spec is None
            or (loaded is not None and not _is_under(loaded, self.search_path))
        ):
            raise ReportError(
                "function",
                f"cannot import {top!r} for {reference}: it is not a module of "
                "the report's source directory; functions come only from the "
                "report's own modules (not conf.py, nor one named like an "
                "installed module)",
            )


class _TimeUp(BaseException):
    """Raised in the main thread by the timer of :func:`_time_limit`."""


@contextmanager
def _time_limit(seconds: float, what: str) -> Iterator[None]:
    """Stop what runs inside after ``seconds``: by a timer signal, which only
    the main thread of a POSIX process can take; elsewhere, no limit. A timer
    already running in the process (a test runner's, say) is kept: it fires
    at its own time, with its own handler."""
    usable = (
        hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and 0 < seconds < 1e6
    )
    if not usable:
        yield
        return
    start = time.monotonic()
    outer_left, _ = signal.getitimer(signal.ITIMER_REAL)

    outer_fired = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal outer_fired
        elapsed = time.monotonic() - start
        if elapsed >= seconds * 0.999:
            raise _TimeUp(what)
        outer_fired = True  # the outer timer's turn; then ours again
        signal.setitimer(signal.ITIMER_REAL, seconds - elapsed)
        if callable(previous):
            previous(signum, frame)

    previous = signal.signal(signal.SIGALRM, stop)
    first = min(seconds, outer_left) if outer_left > 0 else seconds
    signal.setitimer(signal.ITIMER_REAL, first)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_left > 0 and not outer_fired:
            left = outer_left - (time.monotonic() - start)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-6))


#: Names of the modules imported from a report's source directory in this
#: process: forgotten before each build imports them again.
_REPORT_MODULES: set[str] = set()


def _local_modules(module: ModuleType, root: Path) -> list[ModuleType]:
    """The module and the modules under ``root`` that it uses, directly or
    through each other, dependencies first. A module is "used" when one of
    its names refers to it or to a function or class defined in it
    (``import helpers``, ``from helpers import draw``)."""
    order: list[ModuleType] = []
    seen: set[str] = set()

    def visit(current: ModuleType) -> None:
        seen.add(current.__name__)
        for value in list(vars(current).values()):
            used = value if isinstance(value, ModuleType) else None
            name = getattr(value, "__module__", None)
            if used is None and isinstance(name, str):
                used = sys.modules.get(name)
            if used is not None and used.__name__ not in seen and _is_under(used, root):
                visit(used)
        order.append(current)

    visit(module)
    return [used for used in order if _is_under(used, root)]


def _is_under(module: ModuleType, root: Path) -> bool:
    """Whether a module is the report's own code: a file under ``root`` that
    is not an installed package (a virtual environment may live there too)."""
    file = getattr(module, "__file__", None)
    if not file:
        return False
    path, root = Path(file).resolve(), root.resolve()
    prefixes = {Path(p).resolve() for p in (sys.prefix, sys.base_prefix)}
    return (
        path.is_relative_to(root)
        and not {"site-packages", "dist-packages"} & set(path.parts)
        # a virtual environment inside the report, unless the report is in one
        and not any(
            path.is_relative_to(prefix) and not root.is_relative_to(prefix)
            for prefix in prefixes
        )
    )
