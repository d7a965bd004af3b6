"""Sphinx extension for reports whose numbers are computed from data at build time.

The package's core (project file, settings, engine, metrics, formatting,
charts) imports no Sphinx, so commands and other engines can use it; the
Sphinx layer is loaded by :func:`setup` only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sphinx.application import Sphinx

from .version import __version__

__all__ = ["__version__", "setup"]


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the settings, directives, role, builder and assets."""
    from .extension import setup_extension

    return setup_extension(app)
