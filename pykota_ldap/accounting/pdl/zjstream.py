"""ZjStream (HP LaserJet 1000 series, foo2zjs): walk the chunks.

Chunks are 16-byte headers (size, type, item count, reserved, "ZZ"),
big endian after "JZJZ", little endian after "ZJZJ". A page is an END_PAGE
chunk; its copies are the ZJI_DMCOPIES item of the START_PAGE before it.
"""

from __future__ import annotations

import struct

from .errors import PDLError
from .pjl import UEL
from .result import Tally
from .section import Section, SectionResult

START_DOC, END_DOC, START_PAGE, END_PAGE = 0, 1, 2, 3
ITEM_COPIES = 4
MAX_COPIES = 9999


def count(section: Section) -> SectionResult:
    buf = section.buffer()
    magic = buf.take(4, "ZjStream signature")
    order = ">" if magic == b"JZJZ" else "<"
    chunk = struct.Struct(order + "IIIHH")
    item = struct.Struct(order + "IHBB")
    value = struct.Struct(order + "I")
    tally = Tally()
    copies = None
    while buf.ensure(1):
        if buf.peek(len(UEL)) == UEL:
            return SectionResult(tally, buf.offset())
        size, kind, items, _reserved, signature = chunk.unpack(buf.take(16, "ZjStream chunk"))
        if signature != 0x5A5A or size < 16:
            raise PDLError(f"bad ZjStream chunk at byte {buf.offset() - 16}")
        body = size - 16
        if kind == START_PAGE:
            data = buf.take(body, "ZjStream page header")
            copies = _copies(data, items, item, value)
        else:
            buf.skip(body, "ZjStream chunk")
            if kind == END_PAGE:
                tally.add(1, copies)
            elif kind == END_DOC:
                break
    _skip_padding(buf)
    return SectionResult(tally, buf.offset() if buf.peek(len(UEL)) == UEL else None)


def _copies(data: bytes, items: int, item, value) -> int | None:
    pos = 0
    for _ in range(items):
        if pos + 12 > len(data):
            break
        size, ident, _kind, _param = item.unpack_from(data, pos)
        if size < 8:
            break
        if ident == ITEM_COPIES and size >= 12:
            found = value.unpack_from(data, pos + 8)[0]
            return min(found, MAX_COPIES) if found >= 1 else None
        pos += size
    return None


def _skip_padding(buf) -> None:
    while buf.ensure(1) and buf.buf[buf.pos] in b"\x00\r\n":
        buf.pos += 1
