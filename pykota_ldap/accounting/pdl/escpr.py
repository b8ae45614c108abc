"""Epson ESC/P-R (printer-driver-escpr's epson-escpr-wrapper, Epson inkjets since about 2008).

After the EJL header (read by pjl), the job opens with ``ESC @`` and remote
mode blocks (``ESC ( R`` ... ``REMOTE1`` up to ``ESC 00 00 00``), then
``ESC ( R 06 00 00 ESCPR`` switches to ESC/P-R. Every ESC/P-R command is
``ESC``, a class byte, a 32-bit little-endian length, a four-letter name and
that many bytes, so raster data (``dsnd``) is skipped whole and never read as
commands. A page is ``sttp`` ... ``endp``; ``endj`` ends the job. Every
page of the document has a page number (``setn``), blank ones too; the
blank back side the driver adds to an odd duplex job has none, follows a
front side (``endp`` 1) and holds one raster line of a few bytes: it is not
counted (a side without a number that holds more is: it prints something).
The driver repeats the pages for copies: the format has no copies field.
"""

from __future__ import annotations

import re
import struct

from .errors import PDLError
from .pjl import UEL
from .result import Tally
from .section import Section, SectionResult

ENTER = b"\x1b(R\x06\x00\x00ESCPR"
_HEAD = struct.Struct("<BBI4s")      # ESC, class, length, name
_U16 = struct.Struct("<H")
_PADDING = re.compile(rb"[\x00\r\n]+")
MAX_REMOTE = 10_000                  # commands in one remote mode block
BLANK_RASTER = 16                    # bytes of raster the driver's blank back side holds (10)


def count(section: Section) -> SectionResult:
    buf = section.buffer()
    pages = _Pages()
    in_job = False
    while buf.ensure(1):
        if buf.peek(len(UEL)) == UEL:
            break
        byte = buf.buf[buf.pos]
        if byte in b"\x00\r\n":      # padding between blocks
            padding = _PADDING.match(buf.buf, buf.pos)
            buf.pos = padding.end() if padding else buf.pos + 1
            continue
        at = buf.offset()
        if byte != 0x1B:
            raise PDLError(f"not an ESC/P-R command at byte {at}")
        second = buf.peek(2)[1:]
        if second == b"@":
            buf.pos += 2
        elif second == b"\x01":
            break                    # EJL trailer
        elif second == b"(":
            in_job = _mode_switch(buf, at) or in_job
        elif not in_job:
            raise PDLError(f"ESC/P-R command before ESC/P-R mode at byte {at}")
        else:
            _command(buf, pages, at)
    if pages.open:
        raise PDLError("ESC/P-R job ends inside a page (truncated)")
    return SectionResult(pages.tally, buf.offset() if buf.peek(len(UEL)) == UEL else None)


def _mode_switch(buf, at: int) -> bool:
    """``ESC ( R`` + 16-bit length + 0 + mode name: ESCPR (True), or REMOTE1 and its commands."""
    head = buf.take(5, "ESC ( R")
    if head[2:3] != b"R":
        raise PDLError(f"unknown ESC/P-R command ESC ( {chr(head[2]) if 32 < head[2] < 127 else hex(head[2])} "
                       f"at byte {at}")
    mode = buf.take(_U16.unpack_from(head, 3)[0], "ESC ( R mode name")
    if mode == b"\x00ESCPR":
        return True
    if mode != b"\x00REMOTE1":
        raise PDLError(f"unknown Epson mode {bytes(mode[1:16])!r} at byte {at}")
    _skip_remote(buf)
    return False


def _skip_remote(buf) -> None:
    """Remote commands: two letters, 16-bit length, data; until ESC 00 00 00."""
    for _ in range(MAX_REMOTE):
        head = buf.take(4, "Epson remote mode")
        if head == b"\x1b\x00\x00\x00":
            return
        if not head[:2].isalpha():
            raise PDLError(f"malformed Epson remote command at byte {buf.offset() - 4}")
        buf.skip(_U16.unpack_from(head, 2)[0], "Epson remote command")
    raise PDLError("Epson remote mode does not end")


class _Pages:
    """Page structure: whether a page is open, whether it has its ``setn``, and whether the
    page before it was a duplex front side (its ``endp`` says 1)."""

    __slots__ = ("tally", "open", "numbered", "after_front", "raster")

    def __init__(self) -> None:
        self.tally = Tally()
        self.open = self.numbered = self.after_front = False
        self.raster = 0                  # dsnd commands and bytes in the open page, as one number


def _command(buf, pages: _Pages, at: int) -> None:
    _, kind, length, name = _HEAD.unpack(buf.take(_HEAD.size, "ESC/P-R command"))
    if not (0x20 < kind < 0x7F and name.isalpha()):
        raise PDLError(f"malformed ESC/P-R command at byte {at}")
    if name == b"endp" and length == 1:
        side = buf.take(1, "ESC/P-R endp")[0]
    else:
        side = 0
        buf.skip(length, f"ESC/P-R {name.decode('ascii')} data")
    if name == b"sttp":
        if pages.open:
            raise PDLError(f"ESC/P-R page started twice at byte {at}")
        pages.open, pages.numbered, pages.raster = True, False, 0
    elif name == b"dsnd":
        pages.raster += length + (BLANK_RASTER if pages.raster else 0)    # a second one is never blank
    elif name == b"setn":
        pages.numbered = True
    elif name == b"endp":
        if not pages.open:
            raise PDLError(f"ESC/P-R page ended without a start at byte {at}")
        # A back side without a page number after a front side, with no more raster than one
        # short line, is the blank one the driver adds to an odd duplex job: every page of the
        # document has a number; a crafted back side without one still prints its raster.
        if pages.numbered or not pages.after_front or pages.raster > BLANK_RASTER:
            pages.tally.add(1)
        pages.open, pages.after_front = False, side == 1
    elif name == b"endj" and pages.open:
        raise PDLError(f"ESC/P-R job ended inside a page at byte {at}")
