"""Mitsubishi CP-D70/D707/D80 and K60, Kodak 305, Fujifilm ASK-300 dye-sublimation printers
(Gutenprint).

The job opens with a 512-byte ``ESC E W U`` block; every print is then a
512-byte ``ESC Z T`` block (big-endian columns at 16 and rows at 18)
followed by columns x rows x 3 bytes of image. There is no copies field and
no end-of-print command: a print is its header and its whole image.
"""

from __future__ import annotations

import struct

from .errors import PDLError
from .result import Tally
from .section import Section, SectionResult

BLOCK = 512
_BE16 = struct.Struct(">H")
MAX_SIDE = 20000


def count(section: Section) -> SectionResult:
    buf = section.buffer()
    if buf.take(BLOCK, "Mitsubishi job header")[:4] != b"\x1bEWU":
        raise PDLError("not a Mitsubishi CP-D70 job header")
    tally = Tally()
    while buf.ensure(1):
        at = buf.offset()
        header = buf.take(BLOCK, "Mitsubishi print header")
        if header[:3] != b"\x1bZT":
            raise PDLError(f"not a Mitsubishi print header at byte {at}")
        columns, rows = _BE16.unpack_from(header, 16)[0], _BE16.unpack_from(header, 18)[0]
        if not (0 < columns <= MAX_SIDE and 0 < rows <= MAX_SIDE):
            raise PDLError(f"implausible Mitsubishi print size {columns}x{rows} at byte {at}")
        buf.skip(columns * rows * 3, "Mitsubishi print")
        tally.add(1)
    return SectionResult(tally)
