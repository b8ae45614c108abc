"""HP LIDIL (Lightweight Imaging Device Interface Language, hpijs/hplip).

Packets: '$', command length (16 bits), unit, packet type, command,
reference (16 bits), data length (16 bits); the packet is command length +
data length bytes and its last command byte is '$'. A page is an EJECT_PAGE
command packet.
"""

from __future__ import annotations

import struct

from .errors import PDLError
from .result import Tally
from .section import Section, SectionResult

COMMAND, EJECT_PAGE = 0, 2
_HEADER = struct.Struct(">HBBBHH")


def count(section: Section) -> SectionResult:
    buf = section.buffer()
    tally = Tally()
    while buf.ensure(1):
        if not buf.ensure(10) or buf.buf[buf.pos] != 0x24:
            raise PDLError(f"LIDIL packet out of sync at byte {buf.offset()}")
        length, _unit, kind, command, _ref, data = _HEADER.unpack_from(buf.buf, buf.pos + 1)
        if length < 10:
            raise PDLError(f"bad LIDIL packet length at byte {buf.offset()}")
        if kind == COMMAND and command == EJECT_PAGE:
            tally.add(1)
        buf.skip(length + data, "LIDIL packet")
    return SectionResult(tally)
