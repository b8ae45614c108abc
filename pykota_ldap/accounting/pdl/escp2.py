"""Epson ESC/P and ESC/P2 (Gutenprint, Ghostscript's escp/stc/epson devices).

A command-level tokenizer: every command is skipped by its own grammar, and
raster commands (``ESC .``, ``ESC i``, ``ESC | B``, ``ESC *``) by the size
of their data, decoding the run-length compression just far enough to know
where it ends. Remote mode (``ESC ( R ... REMOTE1`` up to ``ESC 00 00 00``)
is skipped command by command. A form feed at command level ejects a page;
marks left after the last form feed make one more.
"""

from __future__ import annotations

import struct

from .errors import PDLError
from .result import Tally
from .section import Section, SectionResult

ESC, FF = 0x1B, 0x0C
_NO_PARAMETER = frozenset(b"@02MPgEF45TO89HG<#")
_ONE_PARAMETER = frozenset(b"UrJ+3AxkQlapwW-SRt!jN/fIs^")
_TWO_PARAMETERS = frozenset(b"\\$")
_BIT_IMAGE = frozenset(b"KLYZ")
_U16 = struct.Struct("<H")
MAX_RASTER = 1 << 28


class _State:
    __slots__ = ("tally", "marked", "dot_bits")

    def __init__(self) -> None:
        self.tally = Tally()
        self.marked = False
        self.dot_bits = 1


def count(section: Section) -> SectionResult:
    buf = section.buffer()
    state = _State()
    while buf.ensure(1):
        byte = buf.buf[buf.pos]
        if byte == ESC:
            if buf.peek(2) == b"\x1b\x01":
                break  # EJL trailer (Epson remote job language)
            _command(buf, state)
        elif byte == FF:
            buf.pos += 1
            state.tally.add(1)
            state.marked = False
        elif byte in b"\r\n\x00":
            buf.pos += 1
        else:
            state.marked = True  # text
            buf.pos += 1
    if state.marked:
        state.tally.add(1)
    return SectionResult(state.tally)


def _command(buf, state: _State) -> None:
    at = buf.offset()
    code = buf.take(2, "ESC/P command")[1]
    handler = _HANDLERS.get(code)
    if handler is not None:
        handler(buf, state, at)
    elif code in _BIT_IMAGE:
        _bit_image(buf, state)
    elif code in b"DBb":
        if code == ord("b"):
            buf.skip(1, "ESC b channel")
        _skip_tab_list(buf, at)
    elif code in _TWO_PARAMETERS:
        buf.skip(2, "ESC/P command")
    elif code == ord("C"):
        buf.skip(2 if buf.peek(1) == b"\x00" else 1, "ESC C")
    elif code in _ONE_PARAMETER:
        buf.skip(1, "ESC/P command")
    elif code not in _NO_PARAMETER:
        raise PDLError(f"unknown ESC/P command ESC 0x{code:02x} at byte {at}")


def _extended(buf, state: _State, at: int) -> None:
    """``ESC ( name size data``: remote mode, dot size; the rest is skipped."""
    name = buf.take(1, "ESC/P command")[0]
    size = _U16.unpack(buf.take(2, "ESC/P command"))[0]
    data = buf.take(size, "ESC/P command") if size <= 64 else b""  # only short ones matter
    if size > 64:
        buf.skip(size, "ESC/P command")
    if name == ord("R") and data and data.endswith(b"REMOTE1"):
        _skip_remote(buf)
    elif name == ord("e") and data and len(data) >= 2:
        state.dot_bits = 2 if data[-1] >= 0x10 else 1


def _raster_i(buf, state: _State, at: int) -> None:
    _, compression, bits, line_low, line_high, lines_low, lines_high = buf.take(7, "ESC i")
    size = (line_low | line_high << 8) * (lines_low | lines_high << 8)
    _skip_raster(buf, compression, size, state)


def _raster_dot(buf, state: _State, at: int) -> None:
    compression, _v, _h, rows, cols_low, cols_high = buf.take(6, "ESC .")
    columns = cols_low | cols_high << 8
    size = rows * ((columns * state.dot_bits + 7) // 8)
    _skip_raster(buf, compression, size, state)


def _bar(buf, state: _State, at: int) -> None:
    sub = buf.take(1, "ESC |")[0]
    if sub == ord("B"):
        _, low, high = buf.take(3, "ESC | B")
        size = low | high << 8
        buf.skip(size, "ESC | B data")
        state.marked = state.marked or size > 0
    elif sub == ord("J"):
        buf.skip(2, "ESC | J")
    else:
        raise PDLError(f"unknown ESC/P command ESC | 0x{sub:02x} at byte {at}")


def _bit_image(buf, state: _State) -> None:
    low, high = buf.take(2, "ESC/P bit image")
    size = low | high << 8
    buf.skip(size, "ESC/P bit image")
    state.marked = state.marked or size > 0


def _star(buf, state: _State, at: int) -> None:
    """``ESC * m n1 n2`` bit image, or the PCL-style ``ESC*rbC``/``ESC*t#R``
    that Ghostscript's escp device sends first."""
    head = buf.peek(1)
    if head.isalpha() and head.islower():
        for _ in range(16):
            byte = buf.take(1, "ESC * command")[0]
            if 0x41 <= byte <= 0x5A:
                return
        raise PDLError(f"malformed ESC * command at byte {at}")
    mode, low, high = buf.take(3, "ESC * bit image")
    per_column = 6 if mode >= 64 else 3 if mode >= 32 else 1
    size = (low | high << 8) * per_column
    buf.skip(size, "ESC * bit image")
    state.marked = state.marked or size > 0


def _skip_tab_list(buf, at: int) -> None:
    """``ESC D``/``ESC B`` tab stops (``ESC b`` adds a channel byte): up to a NUL."""
    for _ in range(40):
        if buf.take(1, "ESC/P tab list")[0] == 0:
            return
    raise PDLError(f"ESC/P tab list without its NUL at byte {at}")


def _skip_raster(buf, compression: int, size: int, state: _State) -> None:
    if size > MAX_RASTER:
        raise PDLError(f"implausible ESC/P raster size at byte {buf.offset()}")
    if size:
        state.marked = True
    if compression == 0:
        buf.skip(size, "ESC/P raster")
        return
    produced = 0
    while produced < size:
        if not buf.ensure(1):
            raise PDLError("truncated ESC/P compressed raster")
        if buf.available() < 2:
            buf.ensure(130)
        data, pos, end = buf.buf, buf.pos, len(buf.buf)
        while produced < size and pos < end:
            counter = data[pos]
            if counter < 128:
                pos += counter + 2
                produced += counter + 1
            else:
                pos += 2
                produced += 257 - counter
        if pos > end:
            buf.pos = end
            buf.skip(pos - end, "ESC/P raster")
        else:
            buf.pos = pos


def _skip_remote(buf) -> None:
    """Remote-mode commands: two letters, 16-bit length, data; until ESC 00 00 00."""
    for _ in range(100000):
        head = buf.take(4, "ESC/P remote mode")
        if head == b"\x1b\x00\x00\x00":
            return
        buf.skip(_U16.unpack_from(head, 2)[0], "ESC/P remote command")
    raise PDLError("ESC/P remote mode does not end")


# The commands whose parameters say how much follows.
_HANDLERS = {ord("("): _extended, ord("i"): _raster_i, ord("."): _raster_dot, ord("|"): _bar, ord("*"): _star}
