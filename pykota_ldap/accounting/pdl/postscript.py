"""PostScript: believe the DSC comments only where the program cannot
contradict them, else interpret with Ghostscript.

The fast path needs both a consistent document structure and a plain
program (:mod:`psprogram`): a ``%!PS-Adobe-`` header, ``%%Trailer`` or
``%%EOF``, ``%%Page:`` ordinals 1, 2, 3 ... without restart or gap,
``%%Pages:`` (header or trailer) equal to their number, no second job
concatenated, pages of embedded ``%%BeginDocument`` files not counted as
DSC pages, and as many top-level ``showpage`` as pages. Anything else (no
DSC, a lie, a loop, computed copies, code built at run time, binary data
read by the program) is interpreted by Ghostscript under the deadline, in
its sandbox. Copies come from the page device when interpreted, otherwise
from the literal requests (and DSC copies comments) found in the file.
"""

from __future__ import annotations

from .psprogram import read
from .result import Tally
from .section import Section, SectionResult


def count(section: Section) -> SectionResult:
    start = _program_start(section)
    reading = read(section, start)
    if reading.trusted():
        tally = Tally()
        tally.add(reading.pages, reading.copies)
        return SectionResult(tally, reading.resume_at)
    from . import ghostscript  # the sandbox and subprocess machinery: only when the DSC is not enough

    tally = ghostscript.count_pages(section.job, start, reading.resume_at, section.deadline)
    return SectionResult(tally, reading.resume_at)


def _program_start(section: Section) -> int:
    """Where the PostScript itself begins: after blank lines a PJL header may
    leave before %!, and Kyocera Prescribe (!R! ... EXIT;) KPDL drivers put
    there."""
    buf = section.buffer()
    start = buf.offset()
    prescribe = False
    for _ in range(64):
        line = buf.readline()
        if line.startswith(b"!R!"):
            prescribe = True
        elif not prescribe and (line.strip(b"\x04\r\n\t ") or not line):
            return start
        if prescribe and b"EXIT" in line.upper():
            prescribe = False
        start = buf.offset()
    return start
