"""Files the build writes for readers (chart images, CSV downloads, the chart
cache): whole, readable like Sphinx's own output, and checked before use.

No Sphinx here, and no matplotlib: a cached chart is copied without drawing.
"""

from __future__ import annotations

import os
import re
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

from .errors import ReportError


def write_atomically(path: Path, content: bytes) -> None:
    """Write through a temporary file in the same directory, so that a reader
    (or a parallel writer) never sees half a file. The file is created with
    mode 0o666 and the kernel takes the umask off, as for Sphinx's own files:
    world-readable under the usual umask (``tempfile.mkstemp`` gives 0o600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.name}.{uuid.uuid4().hex}.part")
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def ensure_copy(target: Path, content: bytes) -> None:
    """Make ``target`` hold exactly ``content``: a copy that is missing, cut
    short (an interrupted build) or otherwise different is written again, even
    when the page that shows it is not (its name is a hash of what the chart
    shows, not of its bytes, so a name alone proves nothing)."""
    try:
        if target.stat().st_size == len(content) and target.read_bytes() == content:
            return
    except OSError:
        pass
    write_atomically(target, content)


def check_svg(content: bytes) -> None:
    """Refuse an SVG that is not well-formed XML, which browsers show as a
    broken image: text of a ``:plot:`` function with control characters, say
    (declarative charts clean their text before drawing it)."""
    try:
        ET.fromstring(content)
    except ET.ParseError as error:
        raise ReportError(
            "plot",
            f"the chart's SVG is not well-formed XML ({error}): does its text "
            "hold control characters?",
        ) from None


#: How small a chart may be shown on a screen, against its drawn size: its
#: smallest text, 8.5 pt bar labels (11.3 px), then reads at 9 px or more.
LEAST_SCALE = 0.8


def least_width(svg: Path) -> int | None:
    """The narrowest a chart is shown, in CSS pixels: its drawn width (the
    SVG's ``width``, in pt from matplotlib) times :data:`LEAST_SCALE`."""
    head = svg.read_bytes()[:2000].decode("utf-8", "replace")
    found = re.search(r'<svg[^>]*\swidth="([0-9.]+)(pt|px)?"', head)
    if found is None:
        return None
    pixels = float(found[1]) * (4 / 3 if found[2] == "pt" else 1)
    return round(pixels * LEAST_SCALE)
