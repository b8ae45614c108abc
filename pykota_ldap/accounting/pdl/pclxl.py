"""PCL XL (PCL 6): a binary tokenizer that counts EndPage operators.

Every token is read by its type: data values, arrays (element type and a
typed length), xy pairs, boxes, attribute ids and embedded data blocks are
skipped by their exact sizes, so page operators are never found inside data.
``PageCopies`` (attribute 0x31, any integer type) on ``EndPage`` gives the
copies of that page. An unknown tag is a damaged stream, not something to
resynchronise past.
"""

from __future__ import annotations

import struct

from .errors import PDLError
from .pjl import UEL
from .result import Tally
from .section import Section, SectionResult

BEGIN_PAGE, END_PAGE = 0x43, 0x44
PAGE_COPIES = 0x31
MAX_COPIES = 9999

# Data types: tag -> (size of one element, struct code for scalars)
_SCALARS = {0xC0: (1, "B"), 0xC1: (2, "H"), 0xC2: (4, "I"), 0xC3: (2, "h"),
            0xC4: (4, "i"), 0xC5: (4, "f")}
_ARRAYS = {0xC8: 1, 0xC9: 2, 0xCA: 4, 0xCB: 2, 0xCC: 4, 0xCD: 4}
_XY = {0xD0: 2, 0xD1: 4, 0xD2: 8, 0xD3: 4, 0xD4: 8, 0xD5: 8}
_BOX = {0xE0: 4, 0xE1: 8, 0xE2: 16, 0xE3: 8, 0xE4: 16, 0xE5: 16}
_WHITESPACE = frozenset(b"\x00\x09\x0a\x0b\x0c\x0d\x20")


def count(section: Section) -> SectionResult:
    buf = section.buffer()
    header = buf.readline(256)
    if header[:1] == b"'":
        raise PDLError("PCL XL with the ASCII binding is not supported")
    if header[:1] not in (b"(", b")") or b"HP-PCL XL" not in header:
        raise PDLError("PCL XL stream header missing")
    order = "<" if header[:1] == b")" else ">"
    scalars = {tag: (size, struct.Struct(order + code)) for tag, (size, code) in _SCALARS.items()}
    u32 = struct.Struct(order + "I")
    u16 = struct.Struct(order + "H")
    tally = Tally()
    last_value = None
    page_copies = None
    in_page = False
    while buf.ensure(1):
        tag = buf.buf[buf.pos]
        if tag in scalars:
            size, unpack = scalars[tag]
            raw = buf.take(size + 1, "PCL XL value")
            last_value = unpack.unpack_from(raw, 1)[0]
        elif tag == 0xF8:
            attribute = buf.take(2, "PCL XL attribute")[1]
            if attribute == PAGE_COPIES:
                page_copies = last_value
        elif tag == 0xF9:
            attribute = u16.unpack_from(buf.take(3, "PCL XL attribute"), 1)[0]
            if attribute == PAGE_COPIES:
                page_copies = last_value
        elif 0x41 <= tag <= 0xBF:
            buf.pos += 1
            if tag == BEGIN_PAGE:
                in_page = True
                page_copies = None
            elif tag == END_PAGE:
                tally.add(1, _copies(page_copies))
                in_page = False
                page_copies = None
            last_value = None
        elif tag in _WHITESPACE:
            buf.pos += 1
        elif tag == 0xFA:
            size = u32.unpack_from(buf.take(5, "PCL XL data length"), 1)[0]
            buf.skip(size, "PCL XL embedded data")
        elif tag == 0xFB:
            size = buf.take(2, "PCL XL data length")[1]
            buf.skip(size, "PCL XL embedded data")
        elif tag in _ARRAYS:
            _skip_array(buf, _ARRAYS[tag], scalars)
            last_value = None
        elif tag in _XY or tag in _BOX:
            buf.skip(1 + (_XY.get(tag) or _BOX[tag]), "PCL XL value")
            last_value = None
        elif tag == 0x1B and buf.peek(len(UEL)) == UEL:
            if in_page:
                raise PDLError("PCL XL stream ends inside a page")
            return SectionResult(tally, buf.offset())
        else:
            raise PDLError(f"unknown PCL XL tag 0x{tag:02x} at byte {buf.offset()}")
    if in_page:
        raise PDLError("PCL XL stream ends inside a page (truncated job)")
    return SectionResult(tally)


def _skip_array(buf, element_size: int, scalars) -> None:
    length_tag = buf.take(2, "PCL XL array")[1]
    if length_tag not in (0xC0, 0xC1):
        raise PDLError(f"bad PCL XL array length type at byte {buf.offset()}")
    size, unpack = scalars[length_tag]
    length = unpack.unpack(buf.take(size, "PCL XL array"))[0]
    buf.skip(length * element_size, "PCL XL array")


def _copies(value) -> int | None:
    if isinstance(value, int) and value >= 1:
        return min(value, MAX_COPIES)
    return None
