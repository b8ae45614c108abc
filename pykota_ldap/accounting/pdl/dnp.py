"""DNP and Citizen dye-sublimation photo printers (DS40, DS80, DS620, DS820, RX1, QW410,
Citizen CW-01, CX, CY, CZ, OP900; Gutenprint's dyesub driver).

Every command is ``ESC P``, a six-letter class (``CNTRL``, ``IMAGE`` ...), a
sixteen-letter name, an eight-digit decimal length (blank for none) and that
many bytes, so the colour planes are skipped whole. ``CNTRL START`` prints
the page set up before it; ``CNTRL QTY`` is the number of prints of it.
"""

from __future__ import annotations

import re

from .errors import PDLError
from .pjl import UEL
from .result import Tally
from .section import Section, SectionResult

_COMMAND = re.compile(rb"\x1bP([A-Z][A-Z_ ]{5})([\x20-\x7e]{16})([0-9]{8}| {8})")
_DIGITS = re.compile(rb" *([0-9]{1,8})")
MAX_QTY = 9999


def count(section: Section) -> SectionResult:
    buf = section.buffer()
    tally = Tally()
    copies: int | None = None
    pending = False          # a page has been set up and not started
    while buf.ensure(1):
        if buf.peek(len(UEL)) == UEL:
            break
        at = buf.offset()
        buf.ensure(32)
        command = _COMMAND.match(buf.buf, buf.pos)
        if command is None:
            raise PDLError(f"not a DNP command at byte {at}")
        buf.pos = command.end()
        kind, name = command.group(1).rstrip(), command.group(2).rstrip()
        length = int(command.group(3)) if command.group(3).strip() else 0
        if kind == b"CNTRL" and name == b"QTY":
            copies = _quantity(buf.take(length, "DNP QTY"), at)
            continue
        buf.skip(length, f"DNP {kind.decode()} {name.decode()} data")
        if kind == b"CNTRL" and name == b"START":
            tally.add(1, copies)
            pending = False
        elif kind == b"IMAGE":
            pending = True
    if pending:
        raise PDLError("DNP job ends before the print starts (no CNTRL START: truncated)")
    return SectionResult(tally, buf.offset() if buf.peek(len(UEL)) == UEL else None)


def _quantity(value: bytes, at: int) -> int:
    digits = _DIGITS.match(value)
    if digits is None or not 1 <= int(digits.group(1)) <= MAX_QTY:
        raise PDLError(f"implausible DNP print quantity {bytes(value[:8])!r} at byte {at}")
    return int(digits.group(1))
