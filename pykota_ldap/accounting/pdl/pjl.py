"""PJL (and Epson EJL) job headers: the language to enter and the copies.

Only what accounting needs is understood: ``ENTER LANGUAGE``, ``SET``/``DEFAULT``
``COPIES`` and ``QTY``, ``EOJ``/``RESET``. Everything else is skipped line by
line. Kyocera ``!R! ... EXIT;`` Prescribe lines between PJL lines are skipped.
"""

from __future__ import annotations

import re

from .stream import Buffer

UEL = b"\x1b%-12345X"
EJL_START = b"\x1b\x01@EJL"

_ASSIGN = re.compile(rb"^@PJL\s+(SET|DEFAULT)\s+(COPIES|QTY)\s*=\s*\"?(\d+)", re.I)
_ENTER = re.compile(rb"^@[PE]JL\s+ENTER\s+LANGUAGE\s*=\s*\"?([A-Za-z0-9_/.\-]+)", re.I)
_COMMAND = re.compile(rb"^@PJL\s+(\w+)", re.I)

# What PJL and EJL call the languages, mapped to our short names.
LANGUAGES = {
    "POSTSCRIPT": "postscript", "PS": "postscript", "KPDL": "postscript",
    "PDF": "pdf",
    "PCL": "pcl5", "PCL5": "pcl5", "PCL5E": "pcl5", "PCL5C": "pcl5", "PCL3": "pcl3",
    "PCL3GUI": "pcl3gui", "HPGL2": "pcl5", "LAVAFLOW": "lavaflow", "HBPL": "hbpl", "HBP": "hbp",
    "PCLXL": "pclxl", "PCL6": "pclxl", "PCLXL2": "pclxl",
    "QPDL": "qpdl", "SPL2": "qpdl",
    "SMART": "spl1",
    "ESC/PAGE": "escpage", "ESCPAGE": "escpage", "ESC/PAGES03": "escpage",
    "ESC/P2": "escp2", "ESCPR": "escpr", "ESC/P-R": "escpr",
    "XPS": "xps", "PWG": "pwg-raster", "URF": "urf", "PCLM": "pclm",
}


class PJLState:
    """Copies requested by PJL for the current job."""

    def __init__(self) -> None:
        self.set_copies: int | None = None
        self.default_copies: int | None = None
        self.set_qty: int | None = None
        self.default_qty: int | None = None

    @property
    def copies(self) -> int | None:
        return self.set_copies or self.default_copies

    @property
    def qty(self) -> int:
        return self.set_qty or self.default_qty or 1

    def end_job(self) -> None:
        self.set_copies = self.set_qty = None


def read_header(buf: Buffer, state: PJLState) -> str | None:
    """Consume UELs and PJL/EJL lines from the current position.

    Returns the PJL name of the language entered (upper case), or None when the
    header ends without ``ENTER LANGUAGE`` (the payload must then be sniffed)
    or the job ends. Leaves ``buf`` at the first byte of the payload.
    """
    while buf.ensure(1):
        data = buf.peek(len(UEL))
        if data == UEL:
            buf.pos += len(UEL)
            continue
        if data.startswith(b"\x1b\x01@EJL"):
            buf.pos += 2
            continue
        first = buf.buf[buf.pos]
        if first in b"\r\n\t \x00\x04":
            buf.pos += 1
            continue
        if data[:4].upper() in (b"@PJL", b"@EJL"):
            line = _pjl_line(buf)
            entered = _ENTER.match(line)
            if entered:
                return entered.group(1).decode("ascii").upper()
            _apply(line, state)
            continue
        if data.startswith(b"!R!"):
            _skip_prescribe(buf)
            continue
        return None
    return None


def _pjl_line(buf: Buffer) -> bytes:
    """A PJL line ends at LF, or where binary data or a UEL follows at once."""
    start = buf.offset()
    line = buf.readline(4096)
    cuts = [i for i in (line.find(b"\x1b"), line.find(b"\x00")) if i >= 0]
    if cuts:
        line = line[:min(cuts)]
        buf.pos = start + len(line) - buf.base  # still inside the loaded window
    return line.strip()


def _apply(line: bytes, state: PJLState) -> None:
    assign = _ASSIGN.match(line)
    if assign:
        kind, name = assign.group(1).upper(), assign.group(2).upper()
        value = int(assign.group(3)[:6]) or None  # COPIES=0 means "use the default"
        if name == b"COPIES":
            if kind == b"SET":
                state.set_copies = value
            else:
                state.default_copies = value
        elif kind == b"SET":
            state.set_qty = value
        else:
            state.default_qty = value
        return
    command = _COMMAND.match(line)
    if command and command.group(1).upper() in (b"EOJ", b"RESET"):
        state.end_job()


def _skip_prescribe(buf: Buffer) -> None:
    """Kyocera Prescribe between PJL lines ends with ``EXIT;`` (bounded skip)."""
    for _ in range(1000):
        line = buf.readline(4096)
        if not line or b"EXIT" in line.upper():
            return
