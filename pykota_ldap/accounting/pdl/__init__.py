"""Software page counting for print jobs (the successor of pkpgcounter).

>>> from pykota_ldap.accounting.pdl import count_pages, PDLError
>>> count_pages("job.prn", timeout=30)          # doctest: +SKIP
PageCount(pages=3, copies=2, total=6, language='pdf')

``count_pages`` takes a path or a binary file (a pipe is spooled to a
temporary file) and returns a :class:`PageCount`; any job it cannot count
raises :class:`PDLError` with a one-line reason. Heavy libraries (pikepdf)
and Ghostscript are only used by the languages that need them.
"""

from __future__ import annotations

from .errors import PDLError
from .limits import MAX_PAGES
from .result import PageCount

__all__ = ["count_pages", "PageCount", "PDLError", "MAX_PAGES"]


def count_pages(source, timeout: float | None = 60.0, max_pages: int | None = MAX_PAGES) -> PageCount:
    """Count the pages of one job: ``source`` is a path or a binary file object.

    ``timeout`` (seconds) bounds the whole count, Ghostscript included, and
    memory is bounded too. A count above ``max_pages`` page images (None: no
    cap) is implausible for one job and raises PDLError instead.
    """
    from .counting import count_pages as _count

    return _count(source, timeout=timeout, max_pages=max_pages)
