"""The package's version, in a module of its own: part of every chart's cache
key and what the extension reports to Sphinx, without importing back up into
the package root (nor asking importlib.metadata, which scans the installed
distributions: 12 ms of every build)."""

__version__ = "0.1.0"


def package_version() -> str:
    return __version__
