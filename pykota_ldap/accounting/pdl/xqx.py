"""XQX (HP LaserJet P1005/P1505, foo2xqx): walk the records.

After ",XQX" come big-endian records: type and item count, then the items
(id, size, value); type 7 carries JBIG data whose byte length is the count.
A page is an END_PAGE record; copies are item 0x20000005 of START_PAGE.
"""

from __future__ import annotations

import struct

from .errors import PDLError
from .pjl import UEL
from .result import Tally
from .section import Section, SectionResult

START_DOC, END_DOC, START_PAGE, END_PAGE, DATA = 1, 2, 3, 4, 7
ITEM_COPIES = 0x20000005
MAX_ITEMS = 4096
MAX_COPIES = 9999
_PAIR = struct.Struct(">II")


def count(section: Section) -> SectionResult:
    buf = section.buffer()
    if buf.take(4, "XQX signature") != b",XQX":
        raise PDLError("bad XQX signature")
    tally = Tally()
    copies = None
    while buf.ensure(1):
        if buf.buf[buf.pos] == 0x1B and buf.peek(len(UEL)) == UEL:
            return SectionResult(tally, buf.offset())
        kind, items = _PAIR.unpack(buf.take(8, "XQX record"))
        if kind == DATA:
            buf.skip(items, "XQX data")
            continue
        if kind > 16 or items > MAX_ITEMS:
            raise PDLError(f"bad XQX record at byte {buf.offset() - 8}")
        for _ in range(items):
            ident, size = _PAIR.unpack(buf.take(8, "XQX item"))
            data = buf.take(size, "XQX item") if size <= 64 else b""  # only short ones matter
            if size > 64:
                buf.skip(size, "XQX item")
            if kind == START_PAGE and ident == ITEM_COPIES and data and size == 4:
                found = int.from_bytes(data, "big")
                copies = min(found, MAX_COPIES) if found >= 1 else None
        if kind == END_PAGE:
            tally.add(1, copies)
        elif kind == END_DOC:
            break
    while buf.ensure(1) and buf.buf[buf.pos] in b"\x00\r\n":
        buf.pos += 1
    return SectionResult(tally, buf.offset() if buf.peek(len(UEL)) == UEL else None)
