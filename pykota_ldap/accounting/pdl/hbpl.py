"""HBPL version 2 (Dell 1355, Fuji Xerox DocuPrint, Xerox WorkCentre 6015; foo2hbpl2).

Entered by ``@PJL ENTER LANGUAGE=HBPL``. The stream is 64-byte records,
``ESC`` + two letters + ``<`` + 60 bytes of parameters: ``JP`` opens the
job, ``PS`` starts a page and is followed by that page's JBIG data, whose
size is the little-endian 32-bit value at byte 16 of the record (so the data is
skipped whole), ``PE`` ends the page. Between pages foo2hbpl2 also sends the short
``ESC D M`` + a length byte + that many bytes. Any other record is refused
rather than guessed at.
"""

from __future__ import annotations

import struct

from .errors import PDLError
from .pjl import UEL
from .result import Tally
from .section import Section, SectionResult

RECORD = 64
_SIZE = struct.Struct("<I")


def count(section: Section) -> SectionResult:
    buf = section.buffer()
    tally = Tally()
    in_page = False
    while buf.ensure(1):
        if buf.peek(len(UEL)) == UEL:
            return _end(tally, in_page, buf.offset())
        at = buf.offset()
        if buf.peek(3) == b"\x1bDM" and not in_page:
            buf.skip(buf.take(4, "HBPL DM record")[3], "HBPL DM record")
            continue
        record = buf.take(RECORD, "HBPL record")
        if record[:1] != b"\x1b" or record[3:4] != b"<":
            raise PDLError(f"not an HBPL record at byte {at}")
        kind = record[1:3]
        if kind == b"PS" and not in_page:
            buf.skip(_SIZE.unpack_from(record, 16)[0], "HBPL page data")
            in_page = True
        elif kind == b"PE" and in_page:
            tally.add(1)
            in_page = False
        elif kind != b"JP":
            raise PDLError(f"unexpected HBPL record {kind!r} at byte {at}")
    return _end(tally, in_page, None)


def _end(tally: Tally, in_page: bool, uel_at: int | None) -> SectionResult:
    if in_page:
        raise PDLError("HBPL job ends inside a page")
    return SectionResult(tally, uel_at)
