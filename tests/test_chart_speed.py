"""What makes a chart cheap to draw gives the same chart: the layout done once
before saving, and the light and dark variants from one drawing."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from babel import Locale
from matplotlib.backends.backend_agg import FigureCanvasAgg

from sphinx_grantreport import chart_drawing, chart_files, chart_spec, chart_style
from sphinx_grantreport.formatting import NumberStyle

NUMBERS = NumberStyle(Locale("en"), "USD")
YEARS = chart_spec.Table(
    ("year", "a", "b", "team"),
    [(2019 + i, 3.5 * i + 1, 2.0 * i, "xy"[i % 2]) for i in range(8)],
)
MONTHS = chart_spec.Table(
    ("month", "users"),
    [(datetime.date(2021 + i // 12, 1 + i % 12, 1), 100 * i + 5) for i in range(30)],
)
CHARTS = [
    *[
        (YEARS, {"kind": kind, "x": "year", "y": "a, b", "title": "Title"})
        for kind in chart_spec.KINDS
        if kind != "pie"
    ],
    (YEARS, {"kind": "pie", "x": "year", "y": "a"}),
    (YEARS, {"kind": "bar", "x": "year", "y": "a", "color": "team"}),
    (
        YEARS,
        {"kind": "bar", "x": "year", "y": "a, b", "stacked": "", "labels": "total"},
    ),
    (YEARS, {"kind": "barh", "x": "year", "y": "a, b", "labels": "values"}),
    (
        YEARS,
        {"kind": "area", "x": "year", "y": "a, b", "stacked": "", "legend": "outside"},
    ),
    (YEARS, {"kind": "line", "x": "year", "y": "a, b", "colors": "black, tab:red"}),
    (MONTHS, {"kind": "line", "x": "month", "y": "users", "xformat": "month"}),
]
IDS = [" ".join(f"{k}={v}" for k, v in options.items()) for _, options in CHARTS]


def drawn(table: chart_spec.Table, options: dict[str, str], dark: bool = False):
    spec = chart_spec.parse_spec(options)
    return chart_drawing.draw(chart_spec.prepare(table, spec), spec, NUMBERS, (), dark)


def normalised(svg: bytes) -> str:
    """An SVG without what differs between equal drawings in other colours:
    marker ids (hashes of their style) and black written out (matplotlib
    leaves it implicit)."""
    text = re.sub(r"; fill: #000000(?=[;\"])", "", svg.decode())
    text = text.replace('style="fill: #000000; ', 'style="')
    ids: dict[str, str] = {}
    return re.sub(
        r"\bm[0-9a-f]{10}\b", lambda m: ids.setdefault(m[0], f"m{len(ids)}"), text
    )


@pytest.mark.parametrize("fmt", ["svg", "pdf", "png"])
def test_saving_lays_out_once_and_gives_what_savefig_gives(fmt):
    for table, options in CHARTS[:3] + CHARTS[-3:]:
        figure = drawn(table, options)
        FigureCanvasAgg(figure)
        buffer = io.BytesIO()
        with chart_style.style_context((), literal=True):
            dpi = 200 if fmt == "png" else None
            metadata = chart_style.METADATA[fmt]
            figure.savefig(buffer, format=fmt, dpi=dpi, metadata=metadata)
        assert chart_style.save(drawn(table, options), fmt, literal=True) == (
            buffer.getvalue()
        ), options


@pytest.mark.parametrize(("table", "options"), CHARTS, ids=IDS)
def test_light_and_dark_from_one_drawing_are_the_two_drawings(table, options):
    spec = chart_spec.parse_spec(options)
    both = chart_drawing.draw_light_and_dark(
        chart_spec.prepare(table, spec), spec, NUMBERS
    )
    assert both is not None
    for dark, svg in zip((False, True), both, strict=True):
        alone = chart_style.save(drawn(table, options, dark), "svg", (), dark, True)
        assert normalised(svg) == normalised(alone)
        assert b"a53c" not in svg  # no stand-in colour is left


def test_one_drawing_is_the_same_file_each_time():
    table, options = CHARTS[0]
    spec = chart_spec.parse_spec(options)
    data = chart_spec.prepare(table, spec)
    first = chart_drawing.draw_light_and_dark(data, spec, NUMBERS)
    assert chart_drawing.draw_light_and_dark(data, spec, NUMBERS) == first


def test_a_colour_of_the_chart_like_a_stand_in_draws_each_variant():
    table, options = CHARTS[0]
    spec = chart_spec.parse_spec({**options, "colors": "#01a53c, #02a53c"})
    data = chart_spec.prepare(table, spec)
    assert chart_drawing.draw_light_and_dark(data, spec, NUMBERS) is None


def test_a_dark_theme_draws_a_chart_of_data_once_and_a_plot_function_twice(
    project, monkeypatch
):
    once: list[bool] = []  # whether each chart drawn in one go has a :plot:
    each: list[tuple[bool, bool]] = []  # (:plot:?, dark?) of each drawn alone
    both, render = chart_files.render_light_and_dark, chart_files.render

    def counted_both(builder, node, fmt):
        once.append("plot" in node)
        return both(builder, node, fmt)

    def counted(builder, node, fmt, dark=False):
        each.append(("plot" in node, dark))
        return render(builder, node, fmt, dark)

    monkeypatch.setattr(chart_files, "render_light_and_dark", counted_both)
    monkeypatch.setattr(chart_files, "render", counted)
    result = project("figures")
    result.build(confoverrides={"html_theme": "furo"})
    assert result.warnings == ""
    assert len(once) == 15 and once.count(True) == 1
    assert sorted(each) == [(True, False), (True, True)]  # the :plot: chart
    assert len(list((result.outdir / "_images").glob("kpi-chart-*-dark.svg"))) == 15
    result.build(confoverrides={"html_theme": "furo"})
    assert len(once) == 15  # nothing redrawn


def test_a_users_style_draws_each_variant_in_it(project, monkeypatch):
    drawn_with = []
    render = chart_files.render
    monkeypatch.setattr(
        chart_files,
        "render",
        lambda builder, node, fmt, dark=False: (
            drawn_with.append(dark) or render(builder, node, fmt, dark)
        ),
    )
    result = project("figures")
    result.write("big.mplstyle", "axes.titlesize: 20\nlines.linewidth: 4\n")
    conf = {"html_theme": "furo", "grantreport_mpl_style": "big.mplstyle"}
    result.build(confoverrides=conf)
    assert result.warnings == ""
    assert sorted(drawn_with) == [False] * 15 + [True] * 15
