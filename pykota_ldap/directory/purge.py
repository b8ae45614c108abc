"""Old job history out of the directory (pkhistory --purge-before), optionally archived first.

The history entries are read with one paged search, their dates compared here, and the old
ones deleted a page at a time, several deletes in flight (pipeline.py): the server's commit of each delete, not the
client, sets the pace. With an archive, a page's entries are written to it as LDIF and forced to
disk before any of them is deleted, so an entry is never gone without its copy; `ldapadd -f`
puts them back.
"""
from __future__ import annotations

import base64
import os
from datetime import datetime
from typing import IO, Callable, Iterator

from .core import Attributes, Directory, Entry, first
from .errors import DirectoryError
from .fastsearch import search_paged_fast
from .pipeline import PipelinedWrites
from .records import from_time, to_time

PAGE = 1000


def _is_before(entry: Attributes, limit: str, before: datetime) -> bool:
    """The job's date is before the limit: compared as text in the form this package writes
    (YYYYmmddHHMMSSZ), parsed when a hand-made entry has another form."""
    found = first(entry, "pkJobDate")
    if found is None:
        return False
    if len(found) == len(limit) and found.endswith("Z") and found[:-1].isdigit():
        return bool(found < limit)
    parsed = from_time(found)
    return parsed is not None and parsed < before


def _pages(d: Directory, before: datetime, attributes: list[str]) -> Iterator[list[Entry]]:
    """The old jobs, a page at a time. The dates are compared here: with the paged-results
    control slapd 2.5 walks the pkJobDate index again for every page of a range filter, so a
    purge would grow with the square of the history (see history.jobs_between)."""
    limit = to_time(before)
    page: list[Entry] = []
    for entry in search_paged_fast(d, d.settings.jobbase, "(objectClass=pkJob)", attributes, page_size=PAGE):
        if _is_before(entry[1], limit, before):
            page.append(entry)
        if len(page) == PAGE:      # the server's page is read whole: writing now is safe
            yield page
            page = []
    if page:
        yield page


def purge_jobs(d: Directory, before: datetime, archive: IO[str] | None = None, dry_run: bool = False,
               progress: Callable[[int], None] | None = None) -> int:
    """Delete (dry_run: only count) the job entries dated before `before`; returns how many."""
    done = 0
    for page in _pages(d, before, ["*"] if archive else ["pkJobDate"]):
        if dry_run:
            done += len(page)
        else:
            if archive is not None:
                _archive(archive, page)
            done += _delete(d, [dn for dn, _ in page])
        if progress:
            progress(len(page))
    return done


def _delete(d: Directory, dns: list[str]) -> int:
    writes = PipelinedWrites(d)
    for dn in dns:
        writes.delete(dn)
    errors = [e for e in writes.flush() if e is not None]
    if errors:
        raise errors[0]
    return len(dns)


def _archive(out: IO[str], page: list[Entry]) -> None:
    for dn, attributes in page:
        out.write(_ldif_line("dn", dn))
        for attribute, found in attributes.items():
            for value in found:
                out.write(_ldif_line(attribute, value))
        out.write("\n")
    out.flush()
    try:
        os.fsync(out.fileno())
    except OSError as exc:
        raise DirectoryError(f"the archive could not be written to disk: {exc.strerror}") from None


_SAFE_INIT = set(range(0x01, 0x80)) - {0x0A, 0x0D, 0x20, 0x3A, 0x3C}
_SAFE = set(range(0x01, 0x80)) - {0x0A, 0x0D}


def _ldif_line(attribute: str, value: str) -> str:
    """RFC 2849: a value that is not a plain safe string is written in base64."""
    raw = value.encode("utf-8")
    plain = (not raw or (raw[0] in _SAFE_INIT and all(b in _SAFE for b in raw) and raw[-1] != 0x20))
    if plain:
        return f"{attribute}: {value}\n"
    return f"{attribute}:: {base64.b64encode(raw).decode()}\n"
