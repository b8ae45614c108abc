"""Structured Fax File (SFF, "Sfff", Ghostscript's cfax): count page headers.

Records: 254 + length is a page header (length 0 ends the document),
1..216 a coded line of that many bytes, 0 + 16-bit length a long line,
217..253 blank lines, 255 + length extra information.
"""

from __future__ import annotations

import struct

from .errors import PDLError
from .result import Tally
from .section import Section, SectionResult


def count(section: Section) -> SectionResult:
    buf = section.buffer()
    header = buf.take(20, "SFF header")
    first_page = struct.unpack_from("<H", header, 10)[0]
    if first_page < 20:
        raise PDLError("bad SFF header (first page offset)")
    buf.skip(first_page - 20, "SFF header")
    tally = Tally()
    while buf.ensure(1):
        record = buf.buf[buf.pos]
        buf.pos += 1
        if record == 254:
            length = buf.take(1, "SFF page header")[0]
            if length == 0:
                break
            buf.skip(length, "SFF page header")
            tally.add(1)
        elif record == 0:
            buf.skip(struct.unpack("<H", buf.take(2, "SFF line"))[0], "SFF line")
        elif record <= 216:
            buf.skip(record, "SFF line")
        elif record == 255:
            length = buf.take(1, "SFF record")[0]
            buf.skip(length, "SFF record")
    return SectionResult(tally)
