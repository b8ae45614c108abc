"""Brother HBP (HL-720/730/760 and kin; Ghostscript's hl7x0 device).

Entered by ``@PJL ENTER LANGUAGE = HBP``. Commands are ``@`` + a letter:
``@G`` carries a 24-bit big-endian length and that many bytes of raster
(skipped whole, so raster bytes are never read as commands), ``@L`` one
parameter byte, ``@F`` ejects the page, ``@N`` and ``@X`` (end of job)
nothing. Anything else is refused rather than guessed at.
"""

from __future__ import annotations

from .errors import PDLError
from .pjl import UEL
from .result import Tally
from .section import Section, SectionResult

_NO_PARAMETER = frozenset(b"NX")


def count(section: Section) -> SectionResult:
    buf = section.buffer()
    tally = Tally()
    while buf.ensure(1):
        if buf.peek(len(UEL)) == UEL:
            return SectionResult(tally, buf.offset())
        at = buf.offset()
        command = buf.take(2, "HBP command")
        if command[:1] != b"@":
            raise PDLError(f"not an HBP command at byte {at}")
        letter = command[1]
        if letter == ord("G"):
            buf.skip(int.from_bytes(buf.take(3, "HBP raster length"), "big"), "HBP raster")
        elif letter == ord("F"):
            tally.add(1)
        elif letter == ord("L"):
            buf.skip(1, "HBP command")
        elif letter not in _NO_PARAMETER:
            raise PDLError(f"unknown HBP command @{chr(letter) if 32 < letter < 127 else hex(letter)} at byte {at}")
    return SectionResult(tally)
