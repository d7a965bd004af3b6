"""``grantreport_fetch``: a build that refreshes its sources' snapshots
before it reads any page (for CI or Read the Docs), and the sources'
place in the data appendix.

By default a build never reaches the network: it reads the snapshots that
``sphinx-grantreport fetch`` wrote. A failed fetch keeps the last good
snapshot and warns at the source's entry in grantreport.toml.
"""

from __future__ import annotations

from sphinx.application import Sphinx
from sphinx.util import logging

from .build_state import build_state
from .errors import ReportError
from .report_warnings import warn

LOGGER = logging.getLogger("sphinx_grantreport")


def fetch_before_reading(app: Sphinx) -> None:
    """Fetch the sources the policy asks for (``builder-inited``)."""
    state = build_state(app.env)
    policy = app.config.grantreport_fetch
    if policy == "never" or not state.has_sources:
        return
    definitions = state.definitions
    if policy not in ("missing", "stale", "always"):
        return  # reported with the other settings
    from .snapshots import chosen, fetch_sources

    base = definitions.base_dir
    picked = chosen(definitions.sources, base, policy)
    if not picked:
        return
    names = ", ".join(source.name for source in picked)
    LOGGER.info(f"grantreport: fetching {names} (grantreport_fetch = {policy!r})")
    had = set(definitions.snapshots)  # read before the fetch changes it
    outcomes = fetch_sources(
        picked, base, progress=LOGGER.info, keep=list(definitions.sources)
    )
    for outcome in outcomes:
        if outcome.error is not None:
            file, line = definitions.source_places.get(outcome.name, (None, None))
            kept = "its last snapshot kept" if outcome.name in had else "no snapshot"
            error = ReportError(
                "source",
                f"source {outcome.name!r} not fetched ({kept}): "
                + outcome.error.message,
            )
            warn(error, f"{file}:{line or ''}" if file else None)
        elif outcome.entry is not None:
            change = "new data" if outcome.changed else "unchanged"
            LOGGER.info(
                f"grantreport: {outcome.name}: {outcome.entry.rows} rows, {change}"
            )
    # the lock and the tables are read anew, after the fetch
    for cached in ("lock", "data"):
        definitions.__dict__.pop(cached, None)


def setup_source_snapshots(app: Sphinx) -> None:
    # after config.attach_definitions (400), before pages are read
    app.connect("builder-inited", fetch_before_reading, priority=450)
