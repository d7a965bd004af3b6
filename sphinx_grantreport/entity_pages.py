"""Entity pages: a Sphinx document for each row of a ``[pages.NAME]`` query.

No source file is written. Each page's document name is mapped onto its
template (so the template's time and "show source" are the page's), and
``source-read`` gives it its title and labels of its own; the row's columns
are the page's parameters (:meth:`.Session.page_params`). A page whose row
changed is rebuilt (``env-get-outdated``); a page whose row is gone is
removed by Sphinx, and its output files here.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.project import Project
from sphinx.util import texescape

from .build_state import BuildState, build_state
from .errors import Problem, ReportError
from .report_warnings import warn_problems

if TYPE_CHECKING:
    from .page_sets import EntityPage, PageSet

#: env.__dict__ key: each entity page's row digest at the last build (pickled
#: with the environment, so that a changed row rebuilds its page).
_DIGESTS = "grantreport_page_digests"
#: env.__dict__ key: each page set's pages, with what they were made from
_ROWS = "grantreport_page_rows"


def expand_pages(app: Sphinx) -> None:
    """Run each page set's query and make its pages (``builder-inited``)."""
    state = build_state(app.env)
    if not state.has_page_sets:
        return
    page_sets = state.definitions.page_sets
    problems: list[Problem] = []
    for page_set in page_sets.values():
        where = state.where(f"pages.{page_set.name}")
        if not (state.definitions.srcdir / page_set.template).is_file():
            message = (
                f"[pages.{page_set.name}] template {page_set.template!r} not found"
            )
            problems.append(Problem(ReportError("config", message), *where))
            continue
        made, found = _rows_of(app.env, state, page_set, where, problems)
        problems += [Problem(ReportError("config", text), *where) for text in found]
        for page in made:
            if page.docname in state.pages or page.docname in state.page_indexes:
                message = (
                    f"[pages.{page_set.name}] page {page.docname!r} is made by "
                    "another page set too: it is left out"
                )
                problems.append(Problem(ReportError("config", message), *where))
            else:
                state.pages[page.docname] = page
        if page_set.index:
            state.page_indexes[page_set.index] = (page_set, made)
    warn_problems(problems)
    _add_to_discovery(app.project, state)
    _add_own_pdfs(app, state)


def _add_own_pdfs(app: Sphinx, state: BuildState) -> None:
    """``pdf = "each"``: a PDF of its own for each page of the set, beside
    the report's (where the pages are chapters, as with ``pdf = "one"``)."""
    documents = list(app.config.latex_documents)
    author = documents[0][3] if documents else app.config.author
    taken = {entry[1] for entry in documents}
    for page in state.pages.values():
        if state.definitions.page_sets[page.set_name].pdf != "each":
            continue
        target = page.docname.replace("/", "-") + ".tex"
        if target not in taken:
            # latex_documents' title is LaTeX: the title from data is escaped
            title = texescape.escape(page.title)
            documents.append((page.docname, target, title, author, "howto"))
    app.config.latex_documents = documents


def _rows_of(
    env: BuildEnvironment,
    state: BuildState,
    page_set: PageSet,
    where: tuple[str | None, int | None],
    problems: list[Problem],
) -> tuple[list[EntityPage], list[str]]:
    """A set's pages: those of the last build while its definition and the
    data files its query read are unchanged (a no-op rebuild imports no
    DuckDB), else from its query."""
    definitions = state.definitions
    signature = repr((page_set, sorted(definitions.params.items()), definitions.views))
    cache: dict[str, Any] = env.__dict__.setdefault(_ROWS, {})
    if (cached := cache.get(page_set.name)) is not None:
        known, files, made, found = cached
        if known == signature and files == _stats(definitions.tables, files):
            return made, found
    try:
        result = state.session.engine.query(page_set.sql)
    except ReportError as error:
        message = f"[pages.{page_set.name}] {error.message}"
        problems.append(Problem(ReportError(error.subtype, message), *where))
        cache.pop(page_set.name, None)
        return [], []
    from .page_sets import expand  # a report without page sets loads none

    made, found = expand(page_set, result.columns, result.rows)
    read = tuple((name, "", 0, 0) for name in result.tables)
    cache[page_set.name] = (signature, _stats(definitions.tables, read), made, found)
    return made, found


def _stats(
    tables: dict[str, Path], files: tuple[tuple[str, str, int, int], ...]
) -> tuple[tuple[str, str, int, int], ...]:
    """Each table's file as it is now: path, modification time and size."""
    now = []
    for name, *_ in files:
        path = tables.get(name)
        try:
            stat = path.stat() if path is not None else None
        except OSError:
            stat = None
        if path is None or stat is None:
            now.append((name, "", -1, -1))
        else:
            now.append((name, str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(now)


def _add_to_discovery(project: Project, state: BuildState) -> None:
    """Sphinx finds its documents in ``Project.discover``: this project's
    discovery adds the entity pages, each mapped onto its template."""
    project.__class__ = EntityProject
    project.__dict__["grantreport_state"] = state


class EntityProject(Project):
    """Sphinx's project with the entity pages among its documents (a
    subclass, not a wrapper: the environment pickles its project)."""

    def discover(self, *args: Any, **kwargs: Any) -> set[str]:
        docnames = super().discover(*args, **kwargs)
        state = self.__dict__.get("grantreport_state")
        if isinstance(state, BuildState):
            _add_pages(self, docnames, state)
        return docnames


def _add_pages(project: Project, docnames: set[str], state: BuildState) -> None:
    problems: list[Problem] = []
    templates = {
        page_set.template: page_set for page_set in state.definitions.page_sets.values()
    }
    for template, page_set in templates.items():
        docname = project.path2doc(template)
        if docname in docnames:  # a template is never a page of its own
            docnames.discard(docname)
            project._docname_to_path.pop(docname, None)
            message = (
                f"[pages.{page_set.name}] template {template!r} is also a page "
                "of the report: put it in a folder of exclude_patterns, such "
                "as _templates/"
            )
            where = state.where(f"pages.{page_set.name}")
            problems.append(Problem(ReportError("config", message), *where))
    made = [
        *((page.docname, page.set_name) for page in state.pages.values()),
        *(
            (index, page_set.name)
            for index, (page_set, _) in state.page_indexes.items()
        ),
    ]
    for docname, set_name in made:
        page_set = state.definitions.page_sets[set_name]
        if docname in docnames:
            message = (
                f"[pages.{page_set.name}] page {docname!r} has the name of a "
                "document of the report: the page is left out"
            )
            where = state.where(f"pages.{page_set.name}")
            problems.append(Problem(ReportError("config", message), *where))
            state.pages.pop(docname, None)
            continue
        docnames.add(docname)
        project._docname_to_path[docname] = Path(page_set.template)
    warn_problems(problems)


def page_source(app: Sphinx, docname: str, source: list[str]) -> None:
    """The text of an entity page (``source-read``): its title, then its
    template with each label made the page's own; an index page's list."""
    state = build_state(app.env)
    page = state.pages.get(docname)
    suffix = Path(str(app.env.doc2path(docname))).suffix
    myst = suffix != ".rst"
    if page is not None:
        body = own_labels(source[0], docname)
        source[0] = _with_title(body, page.title, myst)
    elif docname in state.page_indexes:
        page_set, made = state.page_indexes[docname]
        title = page_set.index_title or page_set.name.replace("_", " ").capitalize()
        entries = [f"/{page.docname}" for page in made if page.docname in state.pages]
        source[0] = _index(title, entries, myst)


def source_link(
    app: Sphinx, docname: str, template: str, context: dict[str, Any], doctree: Any
) -> None:
    """An entity page's "show source" is its template (copied under the
    page's own name), an index page has none: Sphinx would name the copy
    by cutting the page's name off its template's path."""
    state = build_state(app.env)
    if docname in state.page_indexes:
        context["sourcename"] = ""
    elif (page := state.pages.get(docname)) is not None and context.get("sourcename"):
        suffix = Path(state.definitions.page_sets[page.set_name].template).suffix
        context["page_source_suffix"] = suffix
        context["sourcename"] = docname + suffix
        if suffix != app.config.html_sourcelink_suffix:
            context["sourcename"] += app.config.html_sourcelink_suffix


def changed_rows(
    app: Sphinx,
    env: BuildEnvironment,
    added: set[str],
    changed: set[str],
    removed: set[str],
) -> list[str]:
    """The entity pages whose row changed, and each index whose list did
    (``env-get-outdated``); the digests are kept for the next build."""
    state = build_state(env)
    digests = {docname: page.digest for docname, page in state.pages.items()}
    for index, (_, made) in state.page_indexes.items():
        listed = "\n".join(f"{p.docname}\t{p.title}" for p in made)
        digests[index] = hashlib.sha256(listed.encode()).hexdigest()
    before: dict[str, str] = env.__dict__.get(_DIGESTS, {})
    env.__dict__[_DIGESTS] = digests
    state.removed_pages = sorted(set(before) - set(digests))
    return [
        docname
        for docname, digest in digests.items()
        if docname in env.all_docs and before.get(docname) != digest
    ]


def remove_stale_outputs(app: Sphinx, exception: Exception | None) -> None:
    """Delete the pages of rows that are gone from the HTML output (Sphinx
    forgets a removed document but leaves its files)."""
    state = build_state(app.env)
    builder = app.builder
    if exception is not None or builder.format != "html":
        return
    outdir = Path(builder.outdir)
    suffix = getattr(builder, "out_suffix", ".html")
    for docname in state.removed_pages:
        for path in (
            outdir / f"{docname}{suffix}",
            outdir / docname / "index.html",  # dirhtml
            *outdir.joinpath("_sources").glob(f"{docname}.*.txt"),
        ):
            if path.is_file() and path.resolve().is_relative_to(outdir.resolve()):
                path.unlink()


#: A label a template defines: ``(name)=``, ``:name: name``, ``.. _name:``.
_LABEL_RES = (
    re.compile(r"^\((?P<label>[^()\s]+)\)=\s*$", re.MULTILINE),
    re.compile(r"^\s*:name:\s*(?P<label>\S+)\s*$", re.MULTILINE),
    re.compile(r"^\.\.\s+_(?P<label>[^:\s]+):\s*$", re.MULTILINE),
)
#: A cross-reference role: {ref}`x`, {numref}`text <x>`, :ref:`x`...
_REFERENCE_RE = re.compile(
    r"(?P<role>\{(?:ref|numref|eq)\}|:(?:ref|numref|eq):)`(?P<target>[^`]*)`"
)


def own_labels(text: str, docname: str) -> str:
    """The template's labels given the page's path as a prefix (``users`` is
    ``hubs-utoronto-users`` on hubs/utoronto), and its references to them
    too, so that every page of a set has labels of its own."""
    prefix = docname.replace("/", "-")
    labels = {match["label"] for regex in _LABEL_RES for match in regex.finditer(text)}
    if not labels:
        return text

    def definition(match: re.Match[str]) -> str:
        whole, label = match[0], match["label"]
        start, end = match.span("label")
        offset = match.start()
        return whole[: start - offset] + f"{prefix}-{label}" + whole[end - offset :]

    for regex in _LABEL_RES:
        text = regex.sub(definition, text)

    def reference(match: re.Match[str]) -> str:
        target = match["target"]
        inner = re.search(r"<([^<>]+)>$", target)
        name = inner[1] if inner else target
        if name.strip() not in labels:
            return match[0]
        renamed = f"{prefix}-{name.strip()}"
        target = target[: inner.start(1)] + renamed + ">" if inner else renamed
        return f"{match['role']}`{target}`"

    return _REFERENCE_RE.sub(reference, text)


def _escaped(text: str) -> str:
    """A title from data as plain text in MyST or reST: every ASCII mark
    escaped, so that no value is read as markup."""
    text = " ".join(text.split())
    return re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", text)


def _with_title(body: str, title: str, myst: bool) -> str:
    escaped = _escaped(title) or "Untitled"
    if myst:
        front = ""
        if body.startswith("---\n"):  # front matter stays first
            end = body.find("\n---", 4)
            if end != -1:
                front, body = body[: end + 4] + "\n", body[end + 4 :]
        return f"{front}# {escaped}\n\n{body}"
    line = "=" * max(len(escaped), 4)
    return f"{escaped}\n{line}\n\n{body}"


def _index(title: str, entries: list[str], myst: bool) -> str:
    escaped = _escaped(title)
    lines = "\n".join(entries)
    if myst:
        return f"# {escaped}\n\n```{{toctree}}\n:maxdepth: 1\n\n{lines}\n```\n"
    indented = "\n".join(f"   {entry}" for entry in entries)
    underline = "=" * max(len(escaped), 4)
    return f"{escaped}\n{underline}\n\n.. toctree::\n   :maxdepth: 1\n\n{indented}\n"


def setup_entity_pages(app: Sphinx) -> None:
    app.connect("builder-inited", expand_pages, priority=450)  # after the state
    app.connect("source-read", page_source)
    app.connect("env-get-outdated", changed_rows)
    app.connect("html-page-context", source_link)
    app.connect("build-finished", remove_stale_outputs)
