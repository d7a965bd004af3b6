"""Man pages: no text of a page or of its data ever starts a roff request.

docutils' man page writer escapes a "." at the start of a Text node, and one
after a line break only inside a paragraph and literal text. A line break
elsewhere (a figure's caption, a term, a title) leaves the next line raw, so
a value ``"x\\n.so /etc/passwd"`` in a caption becomes the request
``.so /etc/passwd``. roff fills text, where a line break is a space: so
outside literal text every line break becomes one, before the writer runs.
"""

from __future__ import annotations

import re
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform

_BREAKS = re.compile(r"[ \t]*[\r\n]+[ \t]*")


def _literal(text: nodes.Text) -> bool:
    """Inside literal text (a literal block, a comment, raw output), where
    line breaks matter: the writer escapes a literal block's lines itself."""
    parent = text.parent
    while parent is not None:
        if isinstance(parent, nodes.FixedTextElement):
            return True
        parent = parent.parent
    return False


class RoffLineStarts(SphinxPostTransform):
    """Line breaks in text as spaces, for man pages (see the module's doc)."""

    default_priority = 900  # after every transform that makes text
    formats = ("man",)

    def run(self, **kwargs: Any) -> None:
        for text in list(self.document.findall(nodes.Text)):
            if ("\n" in text or "\r" in text) and not _literal(text):
                text.parent.replace(text, nodes.Text(_BREAKS.sub(" ", text)))


def setup_manpage(app: Sphinx) -> None:
    app.add_post_transform(RoffLineStarts)
