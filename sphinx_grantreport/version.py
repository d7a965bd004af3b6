"""The installed package's version: part of every chart's cache key, and
what the extension reports to Sphinx."""

from __future__ import annotations

from functools import cache
from importlib.metadata import PackageNotFoundError, version


@cache
def package_version() -> str:
    try:
        return version("sphinx-grantreport")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree
        return "0+unknown"
