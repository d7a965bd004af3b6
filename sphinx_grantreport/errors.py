"""The one exception type that carries a user error to a located Sphinx warning."""

from __future__ import annotations

from sphinx.util import logging

LOGGER = logging.getLogger("sphinx_grantreport")
WARNING_TYPE = "grantreport"


class ReportError(Exception):
    """A mistake in a report's data, query, metric or options.

    ``subtype`` becomes the Sphinx warning subtype (``grantreport.<subtype>``),
    so users can silence one kind with ``suppress_warnings``.
    """

    def __init__(self, subtype: str, message: str) -> None:
        super().__init__(message)
        self.subtype = subtype
        self.message = message


def warn(error: ReportError, location: object = None) -> None:
    """Log a user error as a located Sphinx warning of type ``grantreport``.

    ``location`` is a node, a ``(docname, line)`` pair or a file path, as
    Sphinx's logger takes it; Sphinx appends ``[grantreport.<subtype>]``.
    """
    LOGGER.warning(
        error.message, location=location, type=WARNING_TYPE, subtype=error.subtype
    )
