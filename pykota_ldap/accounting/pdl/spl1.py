"""SPL1 / GDI (Samsung "SMART" language, Ghostscript's gdi device).

``$PJL`` text lines, then after ``$PJL BITMAP START`` bitmap blocks each
preceded by a 32-bit big-endian length, until the next ``$PJL`` line. A page
is a ``$PJL PRINT`` command; ``$PJL COPIES = n`` gives the copies.
"""

from __future__ import annotations

import re
import struct

from .errors import PDLError
from .pjl import UEL
from .result import Tally
from .section import Section, SectionResult

_COPIES = re.compile(rb"^\$PJL\s+COPIES\s*=\s*(\d+)", re.I)
MAX_COPIES = 9999


def count(section: Section) -> SectionResult:
    buf = section.buffer()
    tally = Tally()
    copies = None
    bitmap = False
    while buf.ensure(1):
        head = buf.peek(len(UEL))
        if head == UEL:
            return SectionResult(tally, buf.offset())
        if head.startswith(b"$PJL"):
            line = buf.readline(4096).strip()
            bitmap = line.upper().startswith(b"$PJL BITMAP START")
            if line.upper().startswith(b"$PJL PRINT"):
                tally.add(1, copies)
            found = _COPIES.match(line)
            if found:
                value = int(found.group(1)[:5])
                copies = min(value, MAX_COPIES) if value >= 1 else None
        elif head[:1] in (b"\r", b"\n", b"\x00") and not bitmap:
            buf.pos += 1
        elif bitmap:
            size = struct.unpack(">I", buf.take(4, "SPL1 bitmap block"))[0]
            buf.skip(size, "SPL1 bitmap block")
        else:
            raise PDLError(f"unexpected data in SPL1 job at byte {buf.offset()}")
    return SectionResult(tally)
