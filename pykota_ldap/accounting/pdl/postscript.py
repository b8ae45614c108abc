"""PostScript: trust the DSC comments only when they are consistent, else interpret.

One streaming pass over the lines (binary sections declared with
``%%BeginBinary``/``%%BeginData`` are skipped by their length, embedded
``%%BeginDocument`` files do not count) decides whether the document
structure can be believed:

* it starts with ``%!PS-Adobe-``, ends with ``%%Trailer`` or ``%%EOF``,
* the ``%%Page:`` ordinals run 1, 2, 3 ... without restart or gap,
* ``%%Pages:`` (header or trailer) agrees with the number of ``%%Page:``,
* there is no second ``%!PS-Adobe-`` job concatenated after the first.

Anything else (no DSC, EPS without pages, restarted ordinals from
concatenated jobs, ``%%Page:`` lines inside undeclared binary data) is
interpreted by Ghostscript under the deadline. Copies come from the page
device when interpreted, otherwise from the requests found in the file.
"""

from __future__ import annotations

import os
import re
import tempfile

from . import ghostscript
from .errors import PDLError
from .pjl import UEL
from .result import Tally
from .section import Section, SectionResult

_COPIES_PATTERNS = [
    re.compile(rb"^%%Requirements:.*\bnumcopies\(\s*(\d+)\s*\)", re.I),
    re.compile(rb"^%(?:%|RBI)Begin(?:NonPPD)?Feature:\s*\*?NumCopies\s+(\d+)", re.I),
    re.compile(rb"^%RBINumCopies:\s*(\d+)"),
    re.compile(rb"/#copies\s+(\d+)\s+def\b"),
    re.compile(rb"/NumCopies\s+(\d+)\b(?!\s*(?:index|copy|roll|get|put))"),
]
_BINARY = re.compile(rb"^%%Begin(Binary|Data):\s*(\d+)(?:\s+\S+\s+(Bytes|Lines))?", re.I)
MAX_COPIES = 9999


class _Scan:
    def __init__(self) -> None:
        self.dsc = False
        self.declared: int | None = None
        self.pages = 0
        self.last_ordinal = 0
        self.ordered = True
        self.complete = False
        self.concatenated = False
        self.copies: int | None = None
        self.resume_at: int | None = None

    def trusted(self) -> bool:
        if not (self.dsc and self.complete and self.ordered and not self.concatenated):
            return False
        if self.pages == 0:
            return False
        return self.declared is None or self.declared == self.pages


def count(section: Section) -> SectionResult:
    scan = _scan(section)
    if scan.trusted():
        tally = Tally()
        tally.add(scan.pages, scan.copies)
        return SectionResult(tally, scan.resume_at)
    tally = _interpret(section, scan.resume_at)
    return SectionResult(tally, scan.resume_at)


def _scan(section: Section) -> _Scan:
    buf = section.buffer()
    scan = _Scan()
    first = buf.readline().lstrip(b"\x04")
    scan.dsc = first.startswith(b"%!PS-Adobe-")
    document_depth = 0
    while True:
        line_start = buf.offset()
        line = buf.readline()
        if not line:
            break
        if line.startswith(UEL) or line.startswith(b"\x04" + UEL):
            scan.resume_at = line_start + line.index(UEL)
            break
        if line[:1] == b"%":
            document_depth = _comment(line, buf, scan, document_depth)
        elif b"copies" in line or b"Copies" in line:
            _copies(line, scan)
    return scan


def _comment(line: bytes, buf, scan: _Scan, depth: int) -> int:
    if line.startswith(b"%%Page:"):
        if depth == 0:
            scan.pages += 1
            parts = line.split()
            try:
                ordinal = int(parts[-1].rstrip(b")]"))
            except (ValueError, IndexError):
                ordinal = -1
            if ordinal != scan.last_ordinal + 1:
                scan.ordered = False
            scan.last_ordinal = ordinal
    elif line.startswith(b"%%Pages:"):
        if depth == 0:
            value = line[8:].strip()
            if value.isdigit():
                scan.declared = int(value)
    elif line.startswith((b"%%EOF", b"%%Trailer")):
        if depth == 0:
            scan.complete = True
    elif line.startswith(b"%!PS-Adobe-"):
        if depth == 0:
            scan.concatenated = True
    elif line.startswith(b"%%BeginDocument"):
        depth += 1
    elif line.startswith(b"%%EndDocument"):
        depth = max(0, depth - 1)
    elif line.startswith((b"%%BeginBinary:", b"%%BeginData:")):
        _skip_binary(line, buf)
    else:
        _copies(line, scan)
    return depth


def _skip_binary(line: bytes, buf) -> None:
    match = _BINARY.match(line)
    if not match:
        return
    size = int(match.group(2))
    if match.group(3) and match.group(3).lower() == b"lines":
        for _ in range(size):
            if not buf.readline():
                return
    else:
        buf.skip(min(size, buf.end - buf.offset()), "PostScript binary section")


def _copies(line: bytes, scan: _Scan) -> None:
    for pattern in _COPIES_PATTERNS:
        match = pattern.search(line)
        if match:
            value = min(int(match.group(1)[:5]), MAX_COPIES)
            if value >= 1:
                scan.copies = max(scan.copies or 1, value)
            return


def _interpret(section: Section, end: int | None) -> Tally:
    job = section.job
    if job.path is not None and section.offset == 0 and end is None:
        return ghostscript.count_pages(job.path, section.deadline)
    with tempfile.NamedTemporaryFile(prefix="pkpgcounter-", suffix=".ps",
                                     dir=os.environ.get("PYKOTADIRECTORY")) as part:
        _copy_range(job, section.offset, end, part, section)
        part.flush()
        return ghostscript.count_pages(part.name, section.deadline)


def _copy_range(job, start: int, end: int | None, target, section: Section) -> None:
    job.file.seek(start)
    remaining = (end if end is not None else job.end) - start
    while remaining > 0:
        section.deadline.check()
        block = job.file.read(min(remaining, 1 << 20))
        if not block:
            break
        target.write(block)
        remaining -= len(block)
    if remaining > 0:
        raise PDLError("job ended while copying it for Ghostscript")
