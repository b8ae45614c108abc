"""QPDL / SPL2 (Samsung, Xerox; foo2qpdl and SpliX): walk the records.

Records after ``ENTER LANGUAGE = QPDL``: 0x00 page header (17 bytes, copies
as a big-endian 16-bit value at +2), 0x0C band, 0x01 end of page (3 bytes),
0x09 end of job. A page is an end-of-page record.

A band header is the tag, band number, width and height (16 bits each),
then a colour plane byte (1-4) in colour and foo2qpdl streams but not in
SpliX's monochrome ones, then the compression code (0x0D and up) and the
32-bit data length. The byte after the height tells which layout it is.
"""

from __future__ import annotations

import struct

from .errors import PDLError
from .pjl import UEL
from .result import Tally
from .section import Section, SectionResult

PAGE_HEADER, END_PAGE, BAND, END_JOB = 0x00, 0x01, 0x0C, 0x09
MAX_PLANE = 4
MAX_COPIES = 9999


def count(section: Section) -> SectionResult:
    buf = section.buffer()
    tally = Tally()
    copies = None
    while buf.ensure(1):
        record = buf.buf[buf.pos]
        if record == PAGE_HEADER:
            header = buf.take(17, "QPDL page header")
            found = struct.unpack_from(">H", header, 2)[0]
            copies = min(found, MAX_COPIES) if found >= 1 else None
        elif record == BAND:
            buf.skip(_band_size(buf), "QPDL band")
        elif record == END_PAGE:
            buf.take(3, "QPDL end of page")
            tally.add(1, copies)
        elif record == END_JOB:
            buf.pos += 1
            break
        elif record == 0x1B and buf.peek(len(UEL)) == UEL:
            return SectionResult(tally, buf.offset())
        else:
            raise PDLError(f"unknown QPDL record 0x{record:02x} at byte {buf.offset()}")
    return SectionResult(tally, buf.offset() if buf.peek(len(UEL)) == UEL else None)


def _band_size(buf) -> int:
    """Consume a band header and return the length of its data."""
    header = buf.take(7, "QPDL band header")
    if header[6] <= MAX_PLANE:  # a colour plane byte, the compression follows
        buf.take(1, "QPDL band header")
    return struct.unpack(">I", buf.take(4, "QPDL band header"))[0]
