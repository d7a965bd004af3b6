"""A chart's files: drawn when a builder first needs them, kept in a cache
under the doctree directory by a hash of everything that shapes them, and
copied into the output, so an unchanged chart is never redrawn.

As Sphinx's graphviz extension does, each builder's visitor asks for the
format it needs (SVG for HTML, PDF for LaTeX, PNG for epub); a web page under
a theme with a dark mode asks for a dark variant too, drawn with the light
one.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sphinx.builders import Builder

from .build_state import get_session
from .output_files import check_svg, ensure_copy, write_atomically

if TYPE_CHECKING:
    from .chart_spec import ChartSpec
    from .figures import kpi_chart

#: The cache's folder under the doctree directory.
CACHE_DIR = "grantreport-charts"


def chart_file(
    builder: Builder,
    node: kpi_chart,
    fmt: str,
    dark: bool = False,
    with_dark: bool = False,
) -> str:
    """The chart's file in the builder's output, drawn only if not cached, and
    copied again whenever the output's copy is not the cached file.
    ``with_dark``: the dark variant is wanted next, so a light chart drawn
    now draws both at once, and caches the dark one too."""
    name = _cache_name(node, fmt, dark)
    cache = Path(builder.env.doctreedir) / CACHE_DIR / name
    dark_cache = cache.with_name(_cache_name(node, fmt, True))
    if cache.exists():
        content = cache.read_bytes()
    elif with_dark and not dark and not dark_cache.exists():
        content, dark_content = render_light_and_dark(builder, node, fmt)
        write_atomically(dark_cache, dark_content)
        write_atomically(cache, content)
    else:
        content = render(builder, node, fmt, dark)
        write_atomically(cache, content)
    ensure_copy(Path(builder.outdir) / builder.imagedir / name, content)
    return name


def _cache_name(node: kpi_chart, fmt: str, dark: bool) -> str:
    return f"kpi-chart-{node['digest']}{'-dark' if dark else ''}.{fmt}"


def render_light_and_dark(
    builder: Builder, node: kpi_chart, fmt: str
) -> tuple[bytes, bytes]:
    """Both variants of a chart: from one drawing when it is an SVG of data
    in our styles alone, else each drawn by :func:`render`."""
    from . import chart_drawing, chart_spec  # only a chart drawn loads them

    definitions = get_session(builder.env).definitions
    if fmt == "svg" and "plot" not in node and not definitions.chart_styles:
        spec = chart_spec.parse_spec(node["options"])
        table = chart_spec.Table(tuple(node["columns"]), node["rows"])
        data = chart_spec.prepare(table, spec)
        both = chart_drawing.draw_light_and_dark(data, spec, definitions.numbers)
        if both is not None:
            for content in both:
                check_svg(content)
            return both
    return render(builder, node, fmt, False), render(builder, node, fmt, True)


def render(builder: Builder, node: kpi_chart, fmt: str, dark: bool = False) -> bytes:
    """Draw the chart of a node as SVG, PDF or PNG bytes, light or dark."""
    from . import chart_drawing, chart_spec  # only a chart drawn loads matplotlib

    session = get_session(builder.env)
    styles = session.definitions.chart_styles
    table = None
    if "columns" in node:
        table = chart_spec.Table(tuple(node["columns"]), node["rows"])
    if "plot" in node:
        function, _ = session.evaluator.import_function(node["plot"])
        code = session.evaluator.code

        def guarded(*args: Any) -> Any:  # SystemExit and a time limit too
            return code.call(function, args, "plot function", "plot")

        figure = chart_drawing.draw_with(guarded, table, styles, dark)
    else:
        assert table is not None
        spec: ChartSpec = chart_spec.parse_spec(node["options"])
        data = chart_spec.prepare(table, spec)
        figure = chart_drawing.draw(
            data, spec, session.definitions.numbers, styles, dark
        )
    content = chart_drawing.save(figure, fmt, styles, dark, literal="plot" not in node)
    if fmt == "svg":
        check_svg(content)
    return content
