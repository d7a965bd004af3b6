"""Python format specs as a format (``,.0f``, ``,d``): which are accepted,
and how a value is given to them. No Sphinx here."""

from __future__ import annotations

import re
from decimal import Decimal

from .errors import ReportError

#: The widest field or precision a Python format spec may ask for: a value is
#: a word in a sentence, and a width of 10**12 would exhaust memory.
MAX_SPEC_WIDTH = 100

_SPEC_RE = re.compile(
    r"^(?:.?[<>=^])?[-+ ]?z?#?0?(?P<width>\d*)[,_]?(?:\.(?P<precision>\d+))?[a-zA-Z%]?$"
)


def python_spec_whole(text: str) -> bool | None:
    """Whether ``text`` is a Python spec for whole numbers only (type ``d``:
    ``d``, ``,d``, ``02d``, ``+d``), False for one of any number (``,.0f``),
    None for no spec at all. A spec too wide, or of another integer type
    (``x``, ``b``, ``o`` are not decimal, ``c`` gives a character), is an error.
    """
    sizes = _SPEC_RE.match(text)
    if sizes and max(int(sizes["width"] or 0), int(sizes["precision"] or 0)) > (
        MAX_SPEC_WIDTH
    ):
        raise ReportError(
            "format",
            f"format {text!r} asks for a width or precision over {MAX_SPEC_WIDTH}",
        )
    for sample in (1234.5, 1234):  # a spec of any number, else of integers
        try:
            format(sample, text)
        except (ValueError, TypeError):
            continue
        whole = isinstance(sample, int)
        if whole and not text.endswith("d"):
            raise ReportError(
                "format",
                f"format {text!r} does not show a decimal number: of Python's "
                "integer specs, use those of type d (d, ,d, 02d, +d)",
            )
        return whole
    return None


def apply_python_spec(number: int | float | Decimal, spec: str, whole: bool) -> str:
    """``format(number, spec)``; for a spec of type ``d``, a whole float or
    Decimal is first the int it equals exactly, and a fraction is an error,
    never a silent rounding."""
    if whole and not isinstance(number, int):
        exact = number if isinstance(number, Decimal) else Decimal(str(number))
        if exact != exact.to_integral_value():
            raise ReportError(
                "format",
                f"format {spec!r} shows whole numbers, but the value is {number}: "
                "round it (nearest:1) or use a spec such as ',.0f'",
            )
        number = int(exact)
    return format(number, spec)
