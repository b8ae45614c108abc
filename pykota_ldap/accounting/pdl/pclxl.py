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
# JetReady (HP Color LaserJet 3500/3550/3600, foomatic pxljr): the
# vendor-unique operator is followed by raw data whose size its
# VUDataLength attribute gives.
VENDOR_UNIQUE, VU_DATA_LENGTH = 0x46, 0x92
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
    stream = _Stream(buf, buf.readline(256))
    while buf.ensure(1):
        tag = buf.buf[buf.pos]
        if tag in stream.scalars:
            stream.scalar(tag)
        elif tag in (0xF8, 0xF9):
            stream.attribute(tag)
        elif 0x41 <= tag <= 0xBF:
            stream.operator(tag)
        elif tag in _WHITESPACE:
            buf.pos += 1
        elif tag in (0xFA, 0xFB):
            stream.embedded_data(tag)
        elif tag in _ARRAYS or tag in _XY or tag in _BOX:
            stream.skip_value(tag)
        elif tag == 0x1B and buf.peek(len(UEL)) == UEL:
            return stream.end(buf.offset())
        else:
            raise PDLError(f"unknown PCL XL tag 0x{tag:02x} at byte {buf.offset()}")
    return stream.end(None)


class _Stream:
    """A PCL XL stream read tag by tag: the value last seen (an attribute names it), the page's
    copies, whether a page is open, and the pages counted."""

    def __init__(self, buf, header: bytes):
        if header[:1] == b"'":
            raise PDLError("PCL XL with the ASCII binding is not supported")
        if header[:1] not in (b"(", b")") or b"HP-PCL XL" not in header:
            raise PDLError("PCL XL stream header missing")
        order = "<" if header[:1] == b")" else ">"
        self.buf = buf
        self.scalars = {tag: (size, struct.Struct(order + code)) for tag, (size, code) in _SCALARS.items()}
        self.u32, self.u16 = struct.Struct(order + "I"), struct.Struct(order + "H")
        self.tally = Tally()
        self.last_value = None
        self.page_copies = None
        self.in_page = False
        self.vu_length = None

    def scalar(self, tag: int) -> None:
        size, unpack = self.scalars[tag]
        self.last_value = unpack.unpack_from(self.buf.take(size + 1, "PCL XL value"), 1)[0]

    def attribute(self, tag: int) -> None:
        if tag == 0xF8:
            attribute = self.buf.take(2, "PCL XL attribute")[1]
        else:
            attribute = self.u16.unpack_from(self.buf.take(3, "PCL XL attribute"), 1)[0]
        if attribute == PAGE_COPIES:
            self.page_copies = self.last_value
        elif attribute == VU_DATA_LENGTH:
            self.vu_length = self.last_value

    def operator(self, tag: int) -> None:
        self.buf.pos += 1
        if tag == BEGIN_PAGE:
            self.in_page, self.page_copies = True, None
        elif tag == END_PAGE:
            self.tally.add(1, _copies(self.page_copies))
            self.in_page, self.page_copies = False, None
        elif tag == VENDOR_UNIQUE and self.vu_length is not None:
            if not isinstance(self.vu_length, int) or self.vu_length < 0:
                raise PDLError(f"bad PCL XL vendor data length at byte {self.buf.offset()}")
            self.buf.skip(self.vu_length, "PCL XL vendor data")
        self.last_value = self.vu_length = None

    def embedded_data(self, tag: int) -> None:
        if tag == 0xFA:
            size = self.u32.unpack_from(self.buf.take(5, "PCL XL data length"), 1)[0]
        else:
            size = self.buf.take(2, "PCL XL data length")[1]
        self.buf.skip(size, "PCL XL embedded data")

    def skip_value(self, tag: int) -> None:
        if tag in _ARRAYS:
            _skip_array(self.buf, _ARRAYS[tag], self.scalars)
        else:
            self.buf.skip(1 + (_XY.get(tag) or _BOX[tag]), "PCL XL value")
        self.last_value = None

    def end(self, uel_at: int | None) -> SectionResult:
        """The stream ends at a UEL (the job goes on in another language) or at the end of data."""
        if self.in_page:
            raise PDLError("PCL XL stream ends inside a page" + ("" if uel_at is not None else " (truncated job)"))
        return SectionResult(self.tally, uel_at) if uel_at is not None else SectionResult(self.tally)


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
