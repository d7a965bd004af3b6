"""Report errors as Sphinx warnings: located, of type ``grantreport``, with a
subtype that ``suppress_warnings`` can name."""

from __future__ import annotations

from collections.abc import Iterable

from sphinx.util import logging

from .errors import WARNING_TYPE, Problem, ReportError

LOGGER = logging.getLogger("sphinx_grantreport")


def warn(error: ReportError, location: object = None) -> None:
    """Log a user error as a located Sphinx warning of type ``grantreport``.

    ``location`` is a node, a ``(docname, line)`` pair or a ``path:line``
    string, as Sphinx's logger takes it; Sphinx appends
    ``[grantreport.<subtype>]``.
    """
    LOGGER.warning(
        error.message, location=location, type=WARNING_TYPE, subtype=error.subtype
    )


def warn_problems(problems: Iterable[Problem]) -> None:
    """Warn about each problem of a file that is not a page, at its line."""
    for problem in problems:
        location = None
        if problem.file is not None:
            # "path:line" (a location without ":" would be read as a docname)
            location = f"{problem.file}:{problem.line or ''}"
        warn(problem.error, location)
