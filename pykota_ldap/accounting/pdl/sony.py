"""Sony UP-CR10L / UP-CX1 / DNP SL10, UP-DP10 and UP-D895 dye-sub and thermal printers
(Gutenprint).

The job is a sequence of 32-bit little-endian items: a negative one is a
marker, a positive one N is followed by N bytes, a command (``ESC`` and a
code) or image data, so the image is skipped whole. Each print has one
image command (``ESC EA``); copies are the big-endian 16-bit value at bytes
7-8 of the ``ESC EE`` command. A job whose prints ask for different copies
is refused (Gutenprint writes the same for all).
"""

from __future__ import annotations

import struct

from .errors import PDLError
from .result import Tally
from .section import Section, SectionResult

_ITEM = struct.Struct("<i")
MAX_ITEMS = 1_000_000
MAX_COPIES = 9999


def count(section: Section) -> SectionResult:
    buf = section.buffer()
    images = 0
    copies: set[int] = set()
    for _ in range(MAX_ITEMS):
        if not buf.ensure(1):
            break
        at = buf.offset()
        size = _ITEM.unpack(buf.take(4, "Sony item"))[0]
        if size < 0:
            continue                 # a marker
        head = buf.peek(min(size, 9))
        if head[:2] == b"\x1b\xea":
            images += 1
        elif head[:2] == b"\x1b\xee" and size == 9:
            value = int.from_bytes(head[7:9], "big")
            if not 1 <= value <= MAX_COPIES:
                raise PDLError(f"implausible Sony copies ({value}) at byte {at}")
            copies.add(value)
        buf.skip(size, "Sony item data")
    else:
        raise PDLError("too many Sony items")
    if len(copies) > 1:
        raise PDLError(f"Sony prints ask for different copies ({sorted(copies)})")
    tally = Tally()
    tally.add(images, copies.pop() if copies else None)
    return SectionResult(tally)
