"""Epson ESC/Page (laser printers; Ghostscript's escpage/lp* devices).

Commands are ``GS`` + decimal parameters separated by ``;`` + a command name
ending with an upper-case letter; names ending in ``{I`` carry as many data
bytes as their first parameter says. Form feed ejects a page. The EJL
trailer (``ESC 01 @EJL``) ends the section; its ``PAGES=`` is not trusted.
"""

from __future__ import annotations

import re

from .errors import PDLError
from .result import Tally
from .section import Section, SectionResult

GS, FF, ESC = 0x1D, 0x0C, 0x1B
_COMMAND = re.compile(rb"\x1d([0-9;.\-]*)([\x20-\x40\x5b-\x7e]{0,8}[A-Z])")
MAX_COMMAND = 256


def count(section: Section) -> SectionResult:
    buf = section.buffer()
    tally = Tally()
    marked = False
    while buf.ensure(1):
        byte = buf.buf[buf.pos]
        if byte == GS:
            buf.ensure(MAX_COMMAND)
            match = _COMMAND.match(buf.buf, buf.pos)
            if match is None:
                raise PDLError(f"malformed ESC/Page command at byte {buf.offset()}")
            buf.pos = match.end()
            if match.group(2).endswith(b"{I"):
                size = _first(match.group(1))
                buf.skip(size, "ESC/Page data")
                marked = marked or size > 0
        elif byte == FF:
            buf.pos += 1
            tally.add(1)
            marked = False
        elif byte == ESC:
            if buf.peek(2) == b"\x1b\x01":
                break  # EJL trailer
            buf.pos += 2
        elif 0x21 <= byte <= 0x7E:
            marked = True  # text printed in the current font
            buf.pos += 1
        else:
            buf.pos += 1
    if marked:
        tally.add(1)
    return SectionResult(tally)


def _first(parameters: bytes) -> int:
    head = parameters.split(b";", 1)[0]
    if not head.isdigit():
        raise PDLError("ESC/Page data command without a length")
    return int(head)
