"""CSV that a spreadsheet opens as data: text it would evaluate as a formula
is written as text, the way OWASP recommends against CSV injection.

Both CSV files of a build go through :func:`spreadsheet_cell`: the data of a
chart (``:download:``) and ``kpis.csv``. Their cells come from data files,
which may come from anywhere.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

#: What makes a spreadsheet read a cell as a formula (or, for tab and
#: carriage return, hide one behind them), after OWASP's CSV injection page.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: object) -> object:
    """A cell as a spreadsheet should read it: text starting like a formula
    gets a leading ``'``, which spreadsheets take as "this is text". Only text
    is changed: a number, even a negative one, stays a number."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


#: RFC 4180 CSV, rows ended by CRLF (Python's ``excel`` dialect): every
#: Python then quotes a cell holding a bare CR, which a writer ending rows with
#: LF leaves bare before Python 3.11.9 (gh-67044), and which a spreadsheet
#: reads as a new row, whose next cell would escape the formula check.
DIALECT = "excel"


def csv_text(header: Sequence[object], rows: Iterable[Sequence[object]]) -> str:
    """A header and rows as CSV text, every cell through :func:`spreadsheet_cell`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, dialect=DIALECT)
    for row in (header, *rows):
        writer.writerow([spreadsheet_cell(cell) for cell in row])
    return buffer.getvalue()
