"""PDF and PCLm: the number of leaves in the page tree a viewer would show.

qpdf (through pikepdf) does the structural work a hand parser gets wrong:
xref tables and streams, object streams, ``/Prev`` chains of incremental
updates, encryption with an empty user password, and reconstruction of a
damaged or missing xref. We then walk ``/Root /Pages`` ourselves so that
orphaned or deleted page objects and ``/Type /Page`` text inside streams or
strings are never counted, and a loop in ``/Kids`` ends (each ``/Pages`` node
is walked once); a page named several times prints, and counts, each time.
Plain files, whose structure leaves qpdf nothing to decide, are read by
:mod:`pdffast` instead, by the same walk rules.
"""

from __future__ import annotations

import importlib

from . import pdffast
from .errors import PDLError
from .result import Tally
from .section import Section, SectionResult
from .stream import Window

MAX_DEPTH = 64
# A page is an object of its own (its dictionary at least) even in a
# compressed object stream: qpdf's densest output, thousands of blank pages
# sharing one content stream, takes 9 bytes a page. More pages than bytes
# is a bomb (millions of direct kids in a 272 KB file), not a job.
MAX_PAGES_PER_BYTE = 1
CHECK_EVERY = 1024  # kids between two looks at the clock


def count(section: Section) -> SectionResult:
    section.deadline.check()
    # A plain file is read without qpdf (whose import alone outweighs a small
    # job); the fast path gives up, returning None, wherever qpdf could differ.
    pages = pdffast.count(section)
    if pages is None:
        from .isolate import run_isolated

        importlib.import_module("pikepdf")  # heavy: loaded once here, before the fork, not in every child
        # qpdf cannot be interrupted and can be made to allocate gigabytes by a
        # small file, so such a PDF is counted in a child with a time and a
        # memory limit, whatever its size (the fork costs 3 to 10 ms, see docs/pdl.md).
        pages = run_isolated(lambda: _pages_in_file(section), section.deadline, "counting the PDF")
    size = section.job.end - section.offset
    if pages > size * MAX_PAGES_PER_BYTE:
        raise PDLError(f"implausible PDF: {pages} pages in {size} bytes (more pages than bytes)")
    tally = Tally()
    tally.add(pages)
    return SectionResult(tally)


def _pages_in_file(section: Section) -> int:
    import logging
    from typing import BinaryIO, cast

    import pikepdf

    # qpdf talks through the "pikepdf" logger; a damaged file is reported by
    # our own error or repaired silently, never by log noise in the backend.
    logging.getLogger("pikepdf").setLevel(logging.CRITICAL)
    job = section.job
    source: str | BinaryIO
    if job.path is not None and section.offset == 0:
        source = job.path
    else:
        source = cast(BinaryIO, Window(job.file, section.offset, job.end))
    try:
        # inherit_page_attributes=False: qpdf's own page-tree flattening
        # gives up on trees a viewer still shows (wrong /Count, loops); we
        # walk the tree ourselves instead.
        with pikepdf.open(source, password="", suppress_warnings=True,
                          inherit_page_attributes=False) as pdf:
            section.deadline.check()
            return _count_leaves(pdf, pikepdf, section)
    except pikepdf.PasswordError:
        raise PDLError("PDF is encrypted with a non-empty user password") from None
    except pikepdf.PdfError as exc:
        raise PDLError(f"damaged PDF that cannot be repaired: {_first_line(exc)}") from None
    except (RuntimeError, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise PDLError(f"damaged PDF: {_first_line(exc)}") from None


def _count_leaves(pdf, pikepdf, section: Section) -> int:
    root = pdf.Root
    tree = root.get("/Pages") if isinstance(root, pikepdf.Dictionary) else None
    if not isinstance(tree, pikepdf.Dictionary):
        raise PDLError("PDF has no page tree (/Root /Pages missing)")
    limit = section.job.max_pages
    seen: set[tuple[int, int]] = set()
    count = 0
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise PDLError("PDF page tree nested too deeply")
        if node.is_indirect and node.objgen in seen:
            continue  # a /Pages node listed twice or a loop: walked once
        kids = node.get("/Kids")
        node_type = node.get("/Type")
        if kids is not None and node_type != pikepdf.Name.Page:
            if node.is_indirect:
                seen.add(node.objgen)
            if isinstance(kids, pikepdf.Array):
                _push_kids(kids, depth + 1, stack, pikepdf, section)
        elif node_type == pikepdf.Name.Page or (depth > 0 and node_type != pikepdf.Name.Pages):
            # A leaf without /Type is still shown as a page by viewers; a page named twice in
            # /Kids prints twice (qpdf's page list and Ghostscript have it twice).
            count += 1
            if limit is not None and count > limit:
                raise PDLError(f"implausible PDF: more than the limit of {limit} pages per job")
    return count


def _push_kids(kids, depth: int, stack: list, pikepdf, section: Section) -> None:
    """Put the dictionaries of ``kids`` on the stack, first kid on top."""
    limit = section.job.max_pages
    if limit is not None and len(kids) > limit:
        raise PDLError(f"implausible PDF: a page tree node lists {len(kids)} kids "
                       f"(more than the limit of {limit} pages per job)")
    for index in range(len(kids) - 1, -1, -1):
        if index % CHECK_EVERY == 0:
            section.deadline.check()
        kid = kids[index]
        if isinstance(kid, pikepdf.Dictionary):
            stack.append((kid, depth))


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
