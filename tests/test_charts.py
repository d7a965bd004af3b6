"""Chart drawing without Sphinx: what a reader sees on the axes."""

from __future__ import annotations

import datetime

import pytest
from babel import Locale

from sphinx_grantreport import chart_drawing, chart_spec
from sphinx_grantreport.formatting import NumberStyle


def monthly(months: int, xformat: str) -> list[str]:
    rows = [
        (datetime.date(2020 + m // 12, m % 12 + 1, 1), 100 + m) for m in range(months)
    ]
    table = chart_spec.Table(("month", "users"), rows)
    spec = chart_spec.parse_spec(
        {"kind": "line", "x": "month", "y": "users", "xformat": xformat}
    )
    numbers = NumberStyle(Locale("en"), "USD")
    figure = chart_drawing.draw(chart_spec.prepare(table, spec), spec, numbers)
    return [label.get_text() for label in figure.axes[0].get_xticklabels()]


@pytest.mark.parametrize(
    ("months", "xformat", "expected"),
    [
        (
            6,
            "month",
            ["Jan 2020", "Feb 2020", "Mar 2020", "Apr 2020", "May 2020", "Jun 2020"],
        ),
        (33, "month", ["Jan 2020", "Apr 2020", "Jul 2020", "Oct 2020", "Jan 2021"]),
        (60, "quarter", ["2020 Q1", "2020 Q3", "2021 Q1", "2021 Q3", "2022 Q1"]),
        (120, "year", ["2020", "2021", "2022", "2023", "2024"]),
    ],
)
def test_a_long_date_axis_labels_at_most_a_dozen_evenly_spaced_dates(
    months, xformat, expected
):
    labels = [" ".join(label.split()) for label in monthly(months, xformat)]
    assert 1 < len(labels) <= chart_drawing.MAX_DATE_TICKS
    assert labels[: len(expected)] == expected
