"""What ``sphinx-grantreport diff OLD NEW`` reports: which numbers, charts
and tables of a report changed between two ``kpis`` builds (main and a pull
request, or before and after a fetch), by page (written out by
:mod:`.diff_command`).

Pure: it reads two ``kpis.json`` files, and loads no Sphinx.

What counts is what readers see: a number changed when its texts did (a raw
value that still rounds to the same text is no change), when it became
unavailable or was fixed; a chart or table changed when the hash of its rows
did. A named metric is the same entry on both sides by its key. An inline
query, chart or table is keyed by its page and line, which move when lines
are added above it: those are paired on their page, of the same kind, by
label and query, then label, then query, then in page order, so that a chart
moved down its page is no change. An entry shown on several pages is listed
once, under its first page, "also on" the others.
"""

from __future__ import annotations

import decimal
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

Entry = dict[str, Any]
What = Literal["changed", "added", "removed", "unavailable", "fixed", "data changed"]

#: The key of an entry without a metric: ``page:line``, or ``page:line[key]``
#: for a card of a grid.
_PLACED_KEY = re.compile(r"(?P<page>.+?):(?P<line>\d+)(?:\[.*\])?", re.DOTALL)
#: A shown number: an optional prefix ("$", "-$"), the number in English
#: grouping, an optional suffix ("%", "M", " million"), no other digits.
_SHOWN_NUMBER = re.compile(
    r"(?P<prefix>\D*?)(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?P<suffix>\D*)"
)
_PLAIN_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_MINUS = "\N{MINUS SIGN}"
#: Characters that would move text to another line or reorder it on screen.
_LINE_BREAKERS = dict.fromkeys(
    [
        *range(0x20),
        *range(0x7F, 0xA0),
        *(0x061C, 0x200E, 0x200F),
        *range(0x2028, 0x202F),
        *range(0x2066, 0x206A),
    ],
    " ",
)
#: Every ASCII punctuation character: a backslash makes each one literal in
#: CommonMark, and so none can start a link, image, emphasis, HTML or cell.
_MAX_TEXT = 200
KIND_NAMES = {"figure": "Chart", "table": "Table"}
_KIND_ORDER = {"value": 0, "figure": 1, "table": 2}


class KpisFileError(Exception):
    """A file that is not a ``kpis.json`` list: one line for the command line."""


@dataclass(frozen=True)
class Change:
    """One number, chart or table that readers see differently."""

    #: a number "changed", "unavailable" or "fixed"; a chart's or table's
    #: "data changed"; either "added" or "removed"
    what: What
    #: "value", "figure" or "table"
    kind: str
    #: its label, else its metric, else its query
    name: str
    page: str
    also_on: tuple[str, ...]
    #: the texts readers saw before and now (none when added or removed)
    old: tuple[str, ...]
    new: tuple[str, ...]
    #: for a number: how much it moved ("+10, +14.3%"), if both are numbers
    delta: str | None = None
    #: for a number that became unavailable: why
    error: str | None = None


@dataclass(frozen=True)
class Changes:
    """What changed from one ``kpis`` list to the other."""

    changes: tuple[Change, ...]
    #: how many numbers, charts and tables the two lists hold between them
    compared: int

    def by_page(self) -> dict[str, list[Change]]:
        pages: dict[str, list[Change]] = {}
        for change in self.changes:
            pages.setdefault(change.page, []).append(change)
        return pages


def read_entries(path: Path) -> list[Entry]:
    """The entries of a ``kpis.json`` file, or of the one in a ``kpis`` output
    directory; :class:`KpisFileError` for anything else."""
    file = path / "kpis.json" if path.is_dir() else path
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KpisFileError(f"{file}: no such file") from None
    except (OSError, UnicodeError) as error:
        raise KpisFileError(f"{file}: cannot read it ({error})") from None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise KpisFileError(f"{file}: not JSON ({error})") from None
    if not isinstance(data, list) or not all(map(_is_entry, data)):
        raise KpisFileError(
            f"{file}: not a kpis.json list of entries (from sphinx-build -b kpis)"
        )
    return data


def _is_entry(entry: object) -> bool:
    """An entry with the fields compared here, of the types the builder writes."""
    if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
        return False
    lists = [entry.get(name) for name in ("texts", "pages")]
    if not all(
        isinstance(v, list) and all(isinstance(s, str) for s in v) for v in lists
    ):
        return False
    optional = ("metric", "metric_key", "query", "error", "kind", "data_sha256")
    return all(isinstance(entry.get(name), str | None) for name in (*optional, "label"))


def compare(old_entries: Sequence[Entry], new_entries: Sequence[Entry]) -> Changes:
    """Pair the entries of two ``kpis`` lists and keep what readers see change."""
    pairs = _pairs(old_entries, new_entries)
    found = [change for old, new in pairs if (change := _change(old, new))]
    found.sort(
        key=lambda c: (c.page, _KIND_ORDER.get(c.kind, 3), c.name.casefold(), c.name)
    )
    return Changes(tuple(found), len(pairs))


Pair = tuple[Entry | None, Entry | None]


def _pairs(old_entries: Sequence[Entry], new_entries: Sequence[Entry]) -> list[Pair]:
    """Entries by key, and placed ones (keyed by line) by what they show."""
    old_named, old_placed = _split(old_entries)
    new_named, new_placed = _split(new_entries)
    pairs: list[Pair] = [
        (old_named.get(key), new_named.get(key))
        for key in sorted(old_named.keys() | new_named.keys())
    ]
    for group in sorted(old_placed.keys() | new_placed.keys()):
        pairs.extend(_pair_placed(old_placed.get(group, []), new_placed.get(group, [])))
    return pairs


def _split(
    entries: Iterable[Entry],
) -> tuple[dict[str, Entry], dict[tuple[str, str, str], list[Entry]]]:
    """Entries by key, and those keyed by a line by their page, kind and row
    key, in page order."""
    named: dict[str, Entry] = {}
    placed: dict[tuple[str, str, str], list[Entry]] = {}
    for entry in entries:
        match = _PLACED_KEY.fullmatch(entry["key"])
        if entry.get("metric") is not None or match is None:
            named[entry["key"]] = entry
            continue
        kind = entry.get("kind") or "value"
        group = (match["page"], kind, entry.get("metric_key") or "")
        placed.setdefault(group, []).append(entry)
    for group_entries in placed.values():
        group_entries.sort(key=_line)
    return named, placed


def _line(entry: Entry) -> int:
    match = _PLACED_KEY.fullmatch(entry["key"])
    return int(match["line"]) if match else 0


#: What pairs two placed entries, most telling first; None never pairs.
_SAME: tuple[Callable[[Entry], object], ...] = (
    lambda e: (e.get("label"), e["query"]) if e.get("query") else None,
    lambda e: e.get("label"),
    lambda e: e.get("query"),
    lambda e: "in page order",
)


def _pair_placed(old: list[Entry], new: list[Entry]) -> list[Pair]:
    """Pair each pass's alike entries in page order; the rest were removed
    or added."""
    pairs: list[Pair] = []
    for same in _SAME:
        waiting: dict[object, list[Entry]] = {}
        for entry in new:
            if (wanted := same(entry)) is not None:
                waiting.setdefault(wanted, []).append(entry)
        unpaired = []
        for entry in old:
            if (wanted := same(entry)) is not None and waiting.get(wanted):
                pairs.append((entry, waiting[wanted].pop(0)))
            else:
                unpaired.append(entry)
        taken = {id(partner) for _, partner in pairs}
        old, new = unpaired, [entry for entry in new if id(entry) not in taken]
    return [
        *pairs,
        *((entry, None) for entry in old),
        *((None, entry) for entry in new),
    ]


def _change(old: Entry | None, new: Entry | None) -> Change | None:
    """How readers see an entry differently, or None."""
    entry = new or old
    assert entry is not None
    pages = entry["pages"] or [""]
    kind = entry.get("kind") or "value"
    change = Change(
        what="changed",
        kind=kind,
        name=_name(entry),
        page=pages[0],
        also_on=tuple(pages[1:]),
        old=tuple(old["texts"]) if old else (),
        new=tuple(new["texts"]) if new else (),
    )
    if old is None or new is None:
        return replace(change, what="added" if old is None else "removed")
    if kind != "value":
        if old.get("data_sha256") == new.get("data_sha256"):
            return None
        return replace(change, what="data changed")
    if old.get("error") is None and new.get("error") is not None:
        return replace(change, what="unavailable", error=new["error"])
    if old.get("error") is not None:
        return replace(change, what="fixed") if new.get("error") is None else None
    if change.old == change.new:
        return None
    return replace(change, delta=_delta(old, new))


def _name(entry: Entry) -> str:
    """Its label, else its metric, else its query (of an inline value)."""
    name = entry.get("label") or entry.get("metric") or entry.get("query")
    name = one_line(name or entry["key"])
    if entry.get("metric_key"):
        name = f"{name} [{one_line(entry['metric_key'])}]"
    return name


def _delta(old: Entry, new: Entry) -> str | None:
    """How far a number moved: as readers saw it when both texts are one
    number of the same form ("$70" and "$80": "+$10, +14.3%"), else as its
    raw value; None unless both raw values are numbers."""
    old_value, new_value = _number(old.get("value")), _number(new.get("value"))
    if old_value is None or new_value is None:
        return None
    shown = _shown_numbers(old["texts"], new["texts"], old_value, new_value)
    with decimal.localcontext(decimal.Context(prec=100)):
        if shown is None:  # the raw values, to 3 decimals (as "number" shows)
            before, after, grouped, prefix, suffix = old_value, new_value, True, "", ""
            moved = after - before
            decimals = max(_decimals(before), _decimals(after))
            decimals = decimals if abs(moved) < Decimal("0.001") else min(decimals, 3)
        else:
            before, after, decimals, grouped, prefix, suffix = shown
            moved = after - before
        if moved == 0:
            return None
        amount = f"{abs(moved):{',' if grouped else ''}.{decimals}f}"
        sign = "+" if moved > 0 else _MINUS
        if "%" in suffix:  # 14% to 16% is 2 points, not 2%
            return f"{sign}{amount} points"
        text = f"{sign}{prefix}{amount}{suffix}"
        if before > 0 and after >= 0:
            percent = moved / before * 100
            share = f"{abs(percent):.1f}"
            text += f", {sign}{'<0.1' if share == '0.0' else share}%"
    return text


def _number(value: object) -> Decimal | None:
    """A raw value as a number: a JSON number, or a decimal written as text."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    if isinstance(value, str) and not _PLAIN_NUMBER.fullmatch(value):
        return None
    if isinstance(value, str | int) and len(str(value)) > 60:
        return None
    number = Decimal(str(value))
    return number if number.is_finite() else None


def _decimals(number: Decimal) -> int:
    exponent = number.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _shown_numbers(
    old_texts: list[str], new_texts: list[str], old_value: Decimal, new_value: Decimal
) -> tuple[Decimal, Decimal, int, bool, str, str] | None:
    """The two numbers as shown, with their decimals, grouping, prefix and
    suffix, when each side shows one text of the same form; None otherwise,
    or when the texts do not look like the raw values (a locale that groups
    with dots: 1.234 is a thousand, not one)."""
    if len(old_texts) != 1 or len(new_texts) != 1:
        return None
    parts = []
    for text, value in ((old_texts[0], old_value), (new_texts[0], new_value)):
        match = _SHOWN_NUMBER.fullmatch(text.strip())
        if match is None or len(match["number"]) > 60:
            return None
        prefix, suffix = match["prefix"], match["suffix"]
        negative = "-" in prefix or _MINUS in prefix
        form = (prefix.replace("-", "").replace(_MINUS, "").replace("+", ""), suffix)
        number = Decimal(match["number"].replace(",", ""))
        number = -number if negative else number
        scaled = any(c.isalpha() or c == "%" for c in suffix)  # 5.6M, 14%
        if not scaled and number and value and not 0.5 <= abs(value / number) <= 2:
            return None
        parts.append((number, form, match["number"]))
    (before, old_form, old_digits), (after, new_form, new_digits) = parts
    if old_form != new_form:
        return None
    decimals = max(_decimals(before), _decimals(after))
    grouped = "," in old_digits + new_digits
    return before, after, decimals, grouped, *old_form


def one_line(text: str, limit: int | None = _MAX_TEXT) -> str:
    """Text on one line, without control or direction characters, and not
    longer than a reviewer reads."""
    words = " ".join(text.translate(_LINE_BREAKERS).split())
    return words if limit is None or len(words) <= limit else words[: limit - 1] + "…"
