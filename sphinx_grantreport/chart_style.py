"""The matplotlib settings a chart is drawn and saved in, and its file's bytes.

Imported with :mod:`.chart_drawing`, only when a chart is really drawn.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from matplotlib import style
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .chart_spec import DARK_STYLE_FILE, LITERAL_STYLE_FILE, STYLE_FILE

#: File metadata without timestamps, so that the same chart gives the same file.
METADATA: dict[str, dict[str, Any]] = {
    "svg": {"Date": None, "Creator": "sphinx-grantreport"},
    "pdf": {"CreationDate": None, "ModDate": None, "Creator": "sphinx-grantreport"},
    "png": {"Software": "sphinx-grantreport"},
}


def style_context(
    styles: Sequence[str | Path], dark: bool = False, literal: bool = False
) -> Any:
    """Our style (and its dark variant), then the user's, on a clean slate and
    undone on exit: the user's global rcParams are never changed.

    ``literal``, for declarative charts, comes last, whatever the user's style
    says: their text comes from data and is drawn as written, never parsed as
    mathtext nor handed to TeX. A ``:plot:`` function keeps matplotlib's
    default (see docs/howto/custom-plots.md)."""
    ours = [STYLE_FILE, DARK_STYLE_FILE] if dark else [STYLE_FILE]
    last = [LITERAL_STYLE_FILE] if literal else []
    return style.context(
        [str(name) for name in [*ours, *styles, *last]], after_reset=True
    )


def save(
    figure: Figure,
    fmt: str,
    styles: Sequence[str | Path] = (),
    dark: bool = False,
    literal: bool = False,
) -> bytes:
    """The figure as SVG, PDF or PNG bytes, free of timestamps, so that the
    same chart always gives the same file. Saved in the style it was drawn in
    (``literal`` too), since tick labels may be made while saving."""
    FigureCanvasAgg(figure)  # render with Agg, whatever the user's backend
    buffer = io.BytesIO()
    with style_context(styles, dark, literal):
        dpi = 200 if fmt == "png" else None
        figure.savefig(buffer, format=fmt, dpi=dpi, metadata=METADATA[fmt])
    return buffer.getvalue()
