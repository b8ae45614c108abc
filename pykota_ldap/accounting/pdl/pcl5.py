"""PCL 5 / 5e / 5c, PCL 3 and PCL3GUI: pages ejected by the escape-level stream.

The stream is tokenised, never grepped: every escape sequence is parsed by
the PCL grammar (``ESC`` + parameter char + group char + value/parameter
pairs) and every data-carrying sequence (``...#W``, ``ESC*b#V``,
``ESC&p#X``) is skipped by its declared length, so bytes inside raster rows
or downloaded fonts can never look like form feeds or resets.

A page is counted when it is ejected:

* form feed (always ejects, like the printer),
* ``ESC E`` reset, paper source ``ESC&l#H``, page size ``ESC&l#A``,
  orientation ``ESC&l#O``, page length ``ESC&l#P``, duplex side
  ``ESC&a#G`` and simplex/duplex ``ESC&l#S``: only if the page is marked,
* the end of the PCL section (UEL or end of file): only if marked.

A page is marked by printable text, raster data, rectangle fills, macro
calls or HP-GL/2; commands stored in a macro definition (``ESC&f0X`` ..
``ESC&f1X``) neither mark nor eject. Copies are ``ESC&l#X``, which a reset puts back to the
PJL default.

LAVAFLOW (Konica Minolta magicolor, foo2lava) is PCL 5 with JBIG raster
whose statistics ``ESC*x#K`` / ``ESC*x#W`` carry no data: the only
difference made here.
"""

from __future__ import annotations

import re

from .result import Tally
from .section import Section, SectionResult

_NEXT_ANY = re.compile(rb"[\x1b\x0c\x21-\x7e\x80-\xff]")
_NEXT_CONTROL = re.compile(rb"[\x1b\x0c]")
_PARAMETER = re.compile(rb"([+-]?[0-9]*(?:\.[0-9]*)?)([\x40-\x7e])")

ESC, FF = 0x1B, 0x0C
_EJECT_IF_MARKED = {(ord("&"), ord("l"), ord("H")), (ord("&"), ord("l"), ord("A")),
                    (ord("&"), ord("l"), ord("O")), (ord("&"), ord("l"), ord("P")),
                    (ord("&"), ord("a"), ord("G")), (ord("&"), ord("l"), ord("S"))}
_MARKING = {(ord("*"), ord("c"), ord("P"))}
MAX_ESCAPE = 512
MAX_COPIES = 9999


class _Page:
    __slots__ = ("tally", "marked", "copies", "hpgl", "defining_macro", "lavaflow")

    def __init__(self, lavaflow: bool = False) -> None:
        self.lavaflow = lavaflow
        self.tally = Tally()
        self.marked = False
        self.copies: int | None = None
        self.hpgl = False
        # Between ESC&f0X and ESC&f1X commands are stored in a macro, not
        # executed: they neither mark nor eject the page.
        self.defining_macro = False

    def mark(self) -> None:
        if not self.defining_macro:
            self.marked = True

    def eject(self) -> None:
        if self.defining_macro:
            return
        self.tally.add(1, self.copies)
        self.marked = False


def count(section: Section) -> SectionResult:
    buf = section.buffer()
    page = _Page(lavaflow=section.language == "lavaflow")
    while buf.ensure(1):
        pattern = _NEXT_CONTROL if (page.marked or page.hpgl) else _NEXT_ANY
        found = pattern.search(buf.buf, buf.pos)
        if found is None:
            buf.pos = len(buf.buf)
            continue
        buf.pos = found.start()
        byte = buf.buf[buf.pos]
        if byte == FF:
            buf.pos += 1
            if not page.hpgl:
                page.eject()
        elif byte == ESC:
            resume = _escape(buf, page)
            if resume is not None:
                if page.marked:
                    page.eject()
                return SectionResult(page.tally, resume)
        else:
            page.mark()
            buf.pos += 1
    if page.marked:
        page.eject()
    return SectionResult(page.tally)


def _escape(buf, page: _Page) -> int | None:
    """Interpret one escape sequence at ``buf.pos``; return the UEL offset if it is one."""
    start = buf.offset()
    opened = _open(buf, page)
    if opened is None:
        return None
    data, pos, kind, group = opened
    while True:
        match = _PARAMETER.match(data, pos)
        if match is None or not match.group(1) and match.group(2) in b"@":
            buf.pos = pos if pos > buf.pos + 1 else buf.pos + 1  # malformed: printers skip it
            return None
        text, final = match.group(1), match.group(2)[0]
        pos = match.end()
        command = final & ~0x20 if final >= 0x60 else final
        value = _number(text)
        if kind == ord("%") and command == ord("X") and value == -12345:
            buf.pos = pos
            return start
        if _carries_data(kind, group, command, page.lavaflow):
            buf.pos = pos
            size = max(0, int(value))
            if size and not page.marked and kind == ord("*") and group == ord("b"):
                page.mark()
            buf.skip(size, "PCL data")
            if final < 0x60:
                return None
            buf.ensure(MAX_ESCAPE)
            data, pos = buf.buf, buf.pos
            continue
        _command(kind, group, command, value, page)
        if final < 0x60:  # upper case ends the sequence
            buf.pos = pos
            return None


def _open(buf, page: _Page) -> tuple[bytes, int, int, int] | None:
    """The start of an escape sequence: (data, position of its parameters, kind, group), or None
    when it was a two-character escape (handled here) or cut short."""
    if not buf.ensure(2):
        buf.pos += 1
        return None
    kind = buf.buf[buf.pos + 1]
    if 0x60 <= kind <= 0x7E:
        # "ESC u300D": a parameterised sequence that lost its parameter
        # character (Ghostscript's cdj970 writes these). Its value must not
        # be taken for printable text.
        buf.ensure(MAX_ESCAPE)
        return buf.buf, buf.pos + 2, 0, kind
    if not 0x21 <= kind <= 0x2F:  # two-character escape
        buf.pos += 2
        if kind == ord("E"):
            _reset(page)
        return None
    buf.ensure(MAX_ESCAPE)
    data, pos = buf.buf, buf.pos + 2
    group = data[pos] if pos < len(data) else 0
    if 0x60 <= group <= 0x7E:
        return data, pos + 1, kind, group
    return data, pos, kind, 0


def _reset(page: _Page) -> None:
    """ESC E: the printer's reset ends the page and forgets the job's settings."""
    page.defining_macro = False
    if page.marked:
        page.eject()
    page.copies = None
    page.hpgl = False


def _carries_data(kind: int, group: int, command: int, lavaflow: bool) -> bool:
    if command == ord("W"):
        return not (lavaflow and kind == ord("*") and group == ord("x"))
    if command == ord("V"):
        return kind == ord("*") and group == ord("b")
    return command == ord("X") and kind == ord("&") and group == ord("p")


def _command(kind: int, group: int, command: int, value: float, page: _Page) -> None:
    key = (kind, group, command)
    if key == (ord("&"), ord("l"), ord("X")):
        if value >= 1:
            page.copies = min(int(value), MAX_COPIES)
    elif key in _EJECT_IF_MARKED:
        if page.marked:
            page.eject()
    elif key in _MARKING:
        page.mark()
    elif key == (ord("&"), ord("f"), ord("X")):
        _macro(int(value), page)
    elif kind == ord("%") and group == 0:
        _hpgl(command, page)


def _macro(operation: int, page: _Page) -> None:
    if operation == 0:
        page.defining_macro = True
    elif operation == 1:
        page.defining_macro = False
    elif operation in (2, 3):  # execute / call macro
        page.mark()


def _hpgl(command: int, page: _Page) -> None:
    if command == ord("B"):  # enter HP-GL/2: it draws on the page
        page.hpgl = True
        page.mark()
    elif command == ord("A"):
        page.hpgl = False


def _number(text: bytes) -> float:
    try:
        return float(text) if text not in (b"", b"+", b"-", b".", b"+.", b"-.") else 0.0
    except ValueError:
        return 0.0
