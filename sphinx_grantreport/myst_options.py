"""A directive option that MyST cut short.

In MyST, an option is one line: ``:sql: SELECT ...`` continued on the next
line ends the options there and makes the rest of the query the directive's
content (a figure's caption, a card's body), with a confusing SQL error on
the half that runs. Such a cut is found and explained instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .errors import ReportError

#: How a line that goes on with a query starts (in capitals, as queries are
#: written: "From 2021 on, ..." in a caption is prose).
_GOES_ON = re.compile(
    r"^\s*(FROM|WHERE|GROUP\s+BY|ORDER\s+BY|HAVING|LIMIT|QUALIFY|WINDOW|UNION|"
    r"EXCEPT|INTERSECT|AND|OR|ON|USING|(LEFT|RIGHT|INNER|FULL|CROSS|ASOF)?\s*JOIN)\b"
    r"|^\s*,"
)


def check_not_cut(option: str, value: str | None, content: Sequence[str]) -> None:
    """Raise a :class:`ReportError` if ``content`` starts where the query of
    ``option`` was cut: the page then shows a placeholder and says what to
    write, rather than running half a query."""
    if value is None or not content or not _GOES_ON.match(content[0]):
        return
    raise ReportError(
        "option",
        f"the :{option}: query goes on in the next line ({content[0].strip()!r}), "
        "which MyST reads as the directive's content, not as the query: write "
        f"a long query in a YAML option block (---, then '{option}: |' and the "
        "query indented, then ---), or as a view in grantreport.toml",
    )
