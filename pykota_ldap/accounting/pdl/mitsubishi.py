"""Mitsubishi CP-9500/9550/9600/9800/9810 and CP30 dye-sublimation printers (Gutenprint).

Three commands, each with a size of its own, so the colour planes are
skipped whole: ``ESC W x .`` is a 50-byte parameter block (the ``ESC W !``
one holds the copies, 16-bit big-endian at its byte 28), ``ESC Z T`` a plane
(12-byte header with big-endian columns at 8 and rows at 10, then columns x
rows bytes, three when its type byte has the high bit set: the colours
packed in one plane), and ``ESC P x 00`` prints what was sent. NULs between
prints are padding.
"""

from __future__ import annotations

import struct

from .errors import PDLError
from .result import Tally
from .section import Section, SectionResult

_BE16 = struct.Struct(">H")
BLOCK = 50
MAX_SIDE = 20000
MAX_COPIES = 9999


def count(section: Section) -> SectionResult:
    buf = section.buffer()
    tally = Tally()
    copies: int | None = None
    planes = 0                       # planes sent since the last print
    while buf.ensure(1):
        at = buf.offset()
        if buf.buf[buf.pos] == 0:
            buf.pos += 1
            continue
        head = buf.peek(3)
        if head[:2] == b"\x1bW":
            copies = _parameters(buf.take(BLOCK, "Mitsubishi parameter block"), at) or copies
        elif head == b"\x1bZT":
            header = buf.take(12, "Mitsubishi plane header")
            columns, rows = _BE16.unpack_from(header, 8)[0], _BE16.unpack_from(header, 10)[0]
            if not (0 < columns <= MAX_SIDE and 0 < rows <= MAX_SIDE):
                raise PDLError(f"implausible Mitsubishi plane size {columns}x{rows} at byte {at}")
            buf.skip(columns * rows * (3 if header[3] & 0x80 else 1), "Mitsubishi plane")
            planes += 1
        elif head[:2] == b"\x1bP":
            if buf.take(4, "Mitsubishi print command")[3] != 0:
                raise PDLError(f"malformed Mitsubishi print command at byte {at}")
            if planes == 0:
                raise PDLError(f"Mitsubishi print command without an image at byte {at}")
            tally.add(1, copies)
            planes = 0
        else:
            raise PDLError(f"not a Mitsubishi command at byte {at}")
    if planes:
        raise PDLError("Mitsubishi job ends before its print command (truncated)")
    return SectionResult(tally)


def _parameters(block: bytes, at: int) -> int | None:
    """The copies if this is the ``ESC W !`` block."""
    if block[3:4] != b".":
        raise PDLError(f"malformed Mitsubishi parameter block at byte {at}")
    if block[2:3] != b"!":
        return None
    copies = _BE16.unpack_from(block, 28)[0]
    if not 1 <= copies <= MAX_COPIES:
        raise PDLError(f"implausible Mitsubishi copies ({copies}) at byte {at}")
    return copies
