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

import re

from . import ghostscript
from .pjl import UEL
from .result import Tally
from .section import Section, SectionResult
from .stream import CHUNK

_COPIES_PATTERNS = [
    re.compile(rb"^%%Requirements:.*\bnumcopies\(\s*(\d+)\s*\)", re.I),
    re.compile(rb"^%(?:%|RBI)Begin(?:NonPPD)?Feature:\s*\*?NumCopies\s+(\d+)", re.I),
    re.compile(rb"^%RBINumCopies:\s*(\d+)"),
    re.compile(rb"/#copies\s+(\d+)\s+(?:def|put|store)\b"),
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
        self.start = 0  # where the PostScript itself begins

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
    tally = _interpret(section, scan.start, scan.resume_at)
    return SectionResult(tally, scan.resume_at)


_EVENT = re.compile(rb"^(?:%[^\r\n]*|\x04?\x1b%-12345X)|/(?:#copies|NumCopies)\s+\d+[^\r\n]*", re.M)


def _scan(section: Section) -> _Scan:
    """One pass over the job, a chunk at a time: only comment lines, the
    copies operators and UELs are looked at, so text-heavy jobs stay fast."""
    buf = section.buffer()
    scan = _Scan()
    scan.start = buf.offset()
    first = buf.readline()
    prescribe = False
    for _ in range(64):
        # Blank lines a PJL header may leave before %!, and Kyocera
        # Prescribe (!R! ... EXIT;) that KPDL drivers put there.
        if first.startswith(b"!R!"):
            prescribe = True
        elif not prescribe and (first.strip(b"\x04\r\n\t ") or not first):
            break
        if prescribe and b"EXIT" in first.upper():
            prescribe = False
        scan.start = buf.offset()
        first = buf.readline()
    scan.dsc = first.lstrip(b"\x04").startswith(b"%!PS-Adobe-")
    depth = 0
    while buf.ensure(1):
        buf.ensure(CHUNK)
        data, start = buf.buf, buf.pos
        end = data.rfind(b"\n", start) + 1
        if end <= start:
            end = len(data)
        resume = start
        for event in _EVENT.finditer(data, start, end):
            if event.start() < resume:
                continue  # inside a binary section
            text = event.group()
            if text[:1] != b"%":
                if text.lstrip(b"\x04").startswith(UEL):
                    scan.resume_at = buf.base + event.start() + text.index(UEL)
                    return scan
                _copies(text, scan)
                continue
            depth, binary = _comment(text, scan, depth)
            if binary is not None:
                resume = _binary_end(buf, event.end(), end, *binary)
                if resume >= end:
                    break
        else:
            resume = end
        if resume > len(buf.buf):  # a binary section runs past the chunk
            buf.pos = len(buf.buf)
            buf.skip(resume - len(buf.buf), "PostScript binary section")
        else:
            buf.pos = resume
    return scan


def _binary_end(buf, line_end: int, chunk_end: int, size: int, in_lines: bool) -> int:
    """Buffer position just after a binary section declared on the line
    ending at ``line_end``; may lie beyond the loaded chunk."""
    data = buf.buf
    at = line_end
    if at < len(data) and data[at:at + 1] == b"\r":
        at += 1
    if at < len(data) and data[at:at + 1] == b"\n":
        at += 1
    if not in_lines:
        return at + min(size, buf.end - buf.base - at)
    for _ in range(size):
        newline = data.find(b"\n", at)
        if newline < 0:
            return len(data)  # give up on exactness past the chunk: stay safe
        at = newline + 1
    return at


def _comment(line: bytes, scan: _Scan, depth: int) -> tuple[int, tuple[int, bool] | None]:
    """Apply one DSC comment; return the new embedding depth and, for a
    declared binary section, its (size, counted in lines)."""
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
        match = _BINARY.match(line)
        if match:
            in_lines = bool(match.group(3)) and match.group(3).lower() == b"lines"
            return depth, (int(match.group(2)[:12]), in_lines)
    else:
        _copies(line, scan)
    return depth, None


def _copies(line: bytes, scan: _Scan) -> None:
    for pattern in _COPIES_PATTERNS:
        match = pattern.search(line)
        if match:
            value = min(int(match.group(1)[:5]), MAX_COPIES)
            if value >= 1:
                scan.copies = max(scan.copies or 1, value)
            return


def _interpret(section: Section, start: int, end: int | None) -> Tally:
    return ghostscript.count_pages(section.job, start, end, section.deadline)
