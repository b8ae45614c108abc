"""HP-GL and HP-GL/2 on their own, not inside PCL (pstoedit's hpgl and plot-hpgl output, plotters).

An instruction is two letters and numeric parameters (quoted strings in
``BP`` and ``CO``) up to ``;`` or the next letter. The few with free-form
data are read by their own rule: ``LB``/``WD``/``BL`` text up to the label
terminator (ETX, or the one ``DT`` sets), ``PE`` encoded data up to ``;``,
``SM`` one symbol character, ``CO`` a comment of any length. A page is ejected by ``PG`` (and the HP-GL
advances ``AF``, ``AH``, ``FR``) only if something was drawn on it, as
devices do; drawing left after the last advance makes one more page.
``RP`` (replot n copies) and ``BP`` with copies (kind 2) other than 1 are
refused rather than guessed at.
"""

from __future__ import annotations

import re

from .errors import PDLError
from .pjl import UEL
from .result import Tally
from .section import Section, SectionResult

# No form feed: HP-GL has no use for one, text printed on a page printer does (FF ejects a page
# there, and a text job opening with "IN;" must not be counted as one plot).
_SEPARATORS = re.compile(rb"[ \t\r\n\x0b;,\x00]+")
_MNEMONIC = re.compile(rb"[A-Za-z]{2}")
QUOTE = 4096                 # longest quoted string (a picture name, a comment)
_PARAMETERS = re.compile(rb'(?:[0-9+\-.,\t\r\n ]+|"[^"]{0,%d}")*' % QUOTE)
_WINDOW = 2 * QUOTE + 2      # a parameter run is matched with at least this much ahead
_ESC_DOT = re.compile(rb"\x1b\.[\x20-\x7e][0-9;,\s]{0,256}:?")   # HP-GL/1 device control
ETX = 0x03

_ADVANCE = frozenset((b"PG", b"AF", b"AH", b"FR"))
_DRAWING = frozenset((b"PD", b"EP", b"FP", b"RA", b"RR", b"EA", b"ER", b"EW", b"WG", b"CI", b"AA", b"AR",
                      b"AT", b"RT", b"BZ", b"BR", b"PE"))
_MOVES = frozenset((b"PA", b"PR"))


class _Plot:
    __slots__ = ("tally", "marked", "pen_down", "terminator")

    def __init__(self) -> None:
        self.tally = Tally()
        self.marked = self.pen_down = False
        self.terminator = ETX


def count(section: Section) -> SectionResult:
    buf = section.buffer()
    plot = _Plot()
    while buf.ensure(_WINDOW) or buf.available():
        gap = _SEPARATORS.match(buf.buf, buf.pos)
        if gap:
            buf.pos = gap.end()
            continue
        at = buf.offset()
        if buf.buf[buf.pos] == 0x1B:
            if buf.peek(len(UEL)) == UEL:
                break
            _escape(buf, at)
            continue
        if buf.buf[buf.pos] == 0x0C:
            raise PDLError(f"form feed at byte {at}: text, not HP-GL/2")
        mnemonic = _MNEMONIC.match(buf.buf, buf.pos)
        if mnemonic is None:
            raise PDLError(f"not an HP-GL/2 instruction at byte {at}")
        buf.pos = mnemonic.end()
        _instruction(buf, plot, mnemonic.group().upper(), at)
    if plot.marked:
        plot.tally.add(1)
    return SectionResult(plot.tally, buf.offset() if buf.peek(len(UEL)) == UEL else None)


def _escape(buf, at: int) -> None:
    if buf.peek(2) == b"\x1bE":
        buf.pos += 2                 # reset
        return
    control = _ESC_DOT.match(buf.buf, buf.pos)
    if control is None:
        raise PDLError(f"escape sequence {bytes(buf.peek(3)[1:])!r} in HP-GL/2 at byte {at}")
    buf.pos = control.end()


def _instruction(buf, plot: _Plot, name: bytes, at: int) -> None:
    special = _SPECIAL.get(name)
    if special is not None:
        special(buf, plot, name)
        return
    if name == b"RP":
        raise PDLError(f"HP-GL/2 replot (RP) at byte {at} is not counted")
    _parameters(buf)
    if name in _ADVANCE:
        if plot.marked:
            plot.tally.add(1)
        plot.marked = plot.pen_down = False
    elif name in _DRAWING or (name in _MOVES and plot.pen_down):
        plot.marked = True
    if name == b"PD":
        plot.pen_down = True
    elif name in (b"PU", b"IN", b"DF"):
        plot.pen_down = False
        if name != b"PU":
            plot.terminator = ETX


def _text(buf, plot: _Plot, name: bytes) -> None:
    """LB, WD, BL: text up to the label terminator (only LB draws)."""
    start = buf.offset()
    _skip_to(buf, plot.terminator, "HP-GL/2 label")
    if name == b"LB" and buf.offset() - start > 1:
        plot.marked = True


def _encoded(buf, plot: _Plot, name: bytes) -> None:
    """PE: an encoded polyline up to ';'."""
    _skip_to(buf, ord(";"), "HP-GL/2 PE data")
    plot.marked = True


def _symbol(buf, plot: _Plot, name: bytes) -> None:
    """SM: one symbol character (any byte), or none to turn symbol mode off."""
    if buf.ensure(1) and buf.buf[buf.pos] != ord(";"):
        buf.pos += 1
    _parameters(buf)


def _comment(buf, plot: _Plot, name: bytes) -> None:
    """CO: a quoted comment of any length."""
    gap = _SEPARATORS.match(buf.buf, buf.pos)
    buf.pos = gap.end() if gap else buf.pos
    if buf.ensure(1) and buf.buf[buf.pos] == ord('"'):
        buf.pos += 1
        _skip_to(buf, ord('"'), "HP-GL/2 comment")
    _parameters(buf)


def _define_terminator(buf, plot: _Plot, name: bytes) -> None:
    """``DT t[,mode];`` sets the label terminator to the byte t; ``DT;`` back to ETX."""
    if not buf.ensure(1) or buf.buf[buf.pos] == ord(";"):
        plot.terminator = ETX
    else:
        plot.terminator = buf.buf[buf.pos]
        buf.pos += 1
    _parameters(buf)


_BP_TOKEN = re.compile(rb'"[^"]*"|[^,\s"]+')


def _begin_plot(buf, plot: _Plot, name: bytes) -> None:
    """``BP kind,value...``: kind 2 is the number of copies (a DesignJet plots them all), refused
    as RP is unless it is 1; kind 1 a picture name, the others no pages."""
    at = buf.offset() - len(name)
    buf.ensure(_WINDOW)
    run = _PARAMETERS.match(buf.buf, buf.pos)
    tokens = _BP_TOKEN.findall(run.group()) if run else []
    for kind, value in zip(tokens[::2], tokens[1::2], strict=False):   # a kind without value sets none
        try:
            copies = not kind.startswith(b'"') and float(kind) == 2 and float(value) != 1
        except ValueError:
            copies = True
        if copies:
            raise PDLError(f"HP-GL/2 copies in BP (kind 2, {value.decode('latin-1')!r}) at byte {at} are not counted")
    _parameters(buf)


# The instructions whose data are not plain parameters.
_SPECIAL = {b"LB": _text, b"WD": _text, b"BL": _text, b"PE": _encoded, b"SM": _symbol, b"CO": _comment,
            b"DT": _define_terminator, b"BP": _begin_plot}


def _parameters(buf) -> None:
    """Numbers and quoted strings, streamed (a polyline may be long), and the ';' after them."""
    while True:
        buf.ensure(_WINDOW)
        run = _PARAMETERS.match(buf.buf, buf.pos)
        buf.pos = run.end() if run else buf.pos
        # Stopped well inside what is loaded, or at the end of the job: done.
        if buf.available() > QUOTE + 1 or buf.base + len(buf.buf) >= buf.end:
            break
    if buf.ensure(1) and buf.buf[buf.pos] == ord(";"):
        buf.pos += 1


def _skip_to(buf, byte: int, what: str) -> None:
    """Past the next ``byte``, a chunk at a time (the text is never kept)."""
    at = buf.offset()
    while True:
        found = buf.buf.find(bytes((byte,)), buf.pos)
        if found >= 0:
            buf.pos = found + 1
            return
        buf.pos = len(buf.buf)
        if not buf.ensure(1):
            raise PDLError(f"unterminated {what} from byte {at}")
