"""Canon BJ / BJC raster (Ghostscript's bjc*, Gutenprint's Canon driver).

Every command is ``ESC ( c`` or ``ESC [ c`` followed by a 16-bit
little-endian length and that many bytes, so raster data (``ESC ( A``,
``ESC ( F``) is skipped whole. ``ESC [ K`` with parameter 0x1F opens a BJL
text block that runs to ``BJLEND``. A form feed at command level ejects a
page. The older BJ-10e (Ghostscript's bj10e) mixes in a few Epson-style
commands with fixed parameters and sends raster rows as ``ESC [ g``.
"""

from __future__ import annotations

from .errors import PDLError
from .result import Tally
from .section import Section, SectionResult

ESC, FF = 0x1B, 0x0C
_RASTER = frozenset(b"AF")
# BJ-10e commands with a fixed number of parameter bytes: ESC 5 (auto
# carriage return), ESC J (line feed by n/180 inch), ESC d (horizontal move).
# ESC C (page length) takes one byte, or a zero and the length in inches.
_FIXED = {ord("5"): 1, ord("J"): 1, ord("d"): 2}


def count(section: Section) -> SectionResult:
    buf = section.buffer()
    tally = Tally()
    marked = False
    while buf.ensure(1):
        byte = buf.buf[buf.pos]
        if byte == ESC:
            marked = _command(buf) or marked
        elif byte == FF:
            buf.pos += 1
            tally.add(1)
            marked = False
        elif byte in b"\r\n\x00":
            buf.pos += 1
        else:
            raise PDLError(f"unexpected byte 0x{byte:02x} in BJ job at byte {buf.offset()}")
    if marked:
        tally.add(1)
    return SectionResult(tally)


def _command(buf) -> bool:
    """Read one escape command; true when it carried raster data."""
    head = buf.take(2, "BJ command")
    if head[1] in b"([":
        command, low, high = buf.take(3, "BJ command")
        size = low | high << 8
        data = buf.take(size, "BJ command data") if size <= 16 else None
        if data is None:
            buf.skip(size, "BJ command data")
        if head[1] == ord("[") and command == ord("K") and data and data[-1] == 0x1F:
            _skip_bjl(buf)
        return bool(size) and (command in _RASTER or (head[1] == ord("[") and command == ord("g")))
    if head[1] in _FIXED:
        buf.skip(_FIXED[head[1]], "BJ command")
    elif head[1] == ord("C"):
        buf.skip(1 if buf.take(1, "BJ command")[0] == 0 else 0, "BJ command")
    elif head[1] != ord("@"):
        raise PDLError(f"unknown BJ command ESC 0x{head[1]:02x} at byte {buf.offset() - 2}")
    return False


def _skip_bjl(buf) -> None:
    for _ in range(10000):
        line = buf.readline(4096)
        if not line or line.startswith(b"BJLEND"):
            return
    raise PDLError("BJL block without BJLEND")
