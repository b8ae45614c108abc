"""PDF and PCLm: the number of leaves in the page tree a viewer would show.

qpdf (through pikepdf) does the structural work a hand parser gets wrong:
xref tables and streams, object streams, ``/Prev`` chains of incremental
updates, encryption with an empty user password, and reconstruction of a
damaged or missing xref. We then walk ``/Root /Pages`` ourselves so that
orphaned or deleted page objects and ``/Type /Page`` text inside streams or
strings are never counted, and a loop in ``/Kids`` shows each page once.
"""

from __future__ import annotations

import logging

from .errors import PDLError
from .isolate import run_isolated
from .result import Tally
from .section import Section, SectionResult
from .stream import Window

MAX_DEPTH = 64


# Above this size qpdf's work (which Python cannot interrupt) runs in a
# forked child that is killed at the deadline; below it, in-process is
# fast and qpdf's work is bounded by the small file.
ISOLATE_ABOVE = 16 << 20


def count(section: Section) -> SectionResult:
    section.deadline.check()
    if section.job.end - section.offset > ISOLATE_ABOVE:
        pages = run_isolated(lambda: _pages_in_file(section), section.deadline, "counting the PDF")
    else:
        pages = _pages_in_file(section)
    tally = Tally()
    tally.add(pages)
    return SectionResult(tally)


def _pages_in_file(section: Section) -> int:
    import pikepdf  # heavy: loaded only for PDF jobs

    # qpdf talks through the "pikepdf" logger; a damaged file is reported by
    # our own error or repaired silently, never by log noise in the backend.
    logging.getLogger("pikepdf").setLevel(logging.CRITICAL)
    job = section.job
    if job.path is not None and section.offset == 0:
        source = job.path
    else:
        source = Window(job.file, section.offset, job.end)
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
    seen: set[tuple[int, int]] = set()
    count = 0
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise PDLError("PDF page tree nested too deeply")
        if node.is_indirect:
            key = node.objgen
            if key in seen:
                continue  # a node listed twice or a loop: a viewer shows it once
            seen.add(key)
        kids = node.get("/Kids")
        node_type = node.get("/Type")
        if kids is not None and node_type != pikepdf.Name.Page:
            if not isinstance(kids, pikepdf.Array):
                continue
            if len(seen) % 1024 == 0:
                section.deadline.check()
            for kid in reversed(list(kids)):
                if isinstance(kid, pikepdf.Dictionary):
                    stack.append((kid, depth + 1))
        elif node_type == pikepdf.Name.Page or (depth > 0 and node_type != pikepdf.Name.Pages):
            # A leaf without /Type is still shown as a page by viewers.
            count += 1
    return count


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
