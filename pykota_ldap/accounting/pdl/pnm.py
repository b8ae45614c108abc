"""Netpbm images (PBM, PGM, PPM, PAM; raw and plain): one page per image.

Ghostscript's pbmraw/pgmraw/ppmraw devices write one image after another in
one file, so every header is read and its raster skipped by its exact size.
"""

from __future__ import annotations

import re

from .errors import PDLError
from .result import Tally
from .section import Section, SectionResult

_CHANNELS = {b"P1": 1, b"P2": 1, b"P3": 3, b"P4": 1, b"P5": 1, b"P6": 3}
_PLAIN_VALUE = re.compile(rb"[0-9]+")
MAX_DIMENSION = 1 << 20


def count(section: Section) -> SectionResult:
    buf = section.buffer()
    tally = Tally()
    while True:
        while buf.ensure(1) and buf.buf[buf.pos] in b" \t\r\n\x00":
            buf.pos += 1
        if not buf.ensure(1):
            break
        magic = buf.take(2, "PNM header")
        if magic == b"P7":
            width, height, samples, maxval = _pam_header(buf)
        elif magic in _CHANNELS:
            width, height = _number(buf), _number(buf)
            maxval = 1 if magic in (b"P1", b"P4") else _number(buf)
            samples = _CHANNELS[magic]
            buf.pos += 1  # the single whitespace byte before the raster
        else:
            raise PDLError(f"bad PNM image header at byte {buf.offset() - 2}")
        if not (0 < width < MAX_DIMENSION and 0 < height < MAX_DIMENSION and 0 < maxval < 65536):
            raise PDLError(f"implausible PNM image header at byte {buf.offset()}")
        if magic == b"P4":
            buf.skip((width + 7) // 8 * height, "PBM raster")
        elif magic in (b"P5", b"P6", b"P7"):
            buf.skip(width * height * samples * (2 if maxval > 255 else 1), "PNM raster")
        else:
            _skip_plain(buf, width * height * samples, magic == b"P1")
        tally.add(1)
    return SectionResult(tally)


def _token(buf) -> bytes:
    while True:
        if not buf.ensure(1):
            raise PDLError("truncated PNM header")
        byte = buf.buf[buf.pos]
        if byte == 0x23:  # '#' comment to end of line
            buf.readline(4096)
        elif byte in b" \t\r\n\x0b\x0c":
            buf.pos += 1
        else:
            break
    buf.ensure(32)
    end = buf.pos
    while end < len(buf.buf) and buf.buf[end] not in b" \t\r\n\x0b\x0c#" and end - buf.pos < 32:
        end += 1
    token = buf.buf[buf.pos:end]
    buf.pos = end
    return token


def _number(buf) -> int:
    token = _token(buf)
    if not token.isdigit():
        raise PDLError(f"bad number in PNM header at byte {buf.offset()}")
    return int(token)


def _pam_header(buf) -> tuple[int, int, int, int]:
    values: dict[bytes, int] = {}
    for _ in range(64):
        line = buf.readline(4096).strip()
        if line == b"ENDHDR":
            try:
                return values[b"WIDTH"], values[b"HEIGHT"], values[b"DEPTH"], values[b"MAXVAL"]
            except KeyError as missing:
                raise PDLError(f"PAM header without {missing.args[0].decode()}") from None
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            values[parts[0]] = int(parts[1])
    raise PDLError("PAM header without ENDHDR")


def _skip_plain(buf, values: int, bits: bool) -> None:
    """Plain formats: count ASCII samples (PBM digits may touch each other)."""
    while values > 0:
        if not buf.ensure(1):
            raise PDLError("truncated plain PNM raster")
        chunk = buf.buf[buf.pos:buf.pos + (1 << 16)]
        if chunk[:1] == b"#":
            buf.readline(1 << 16)
            continue
        cut = chunk.find(b"#")
        if cut > 0:
            chunk = chunk[:cut]
        matches = re.finditer(rb"[01]" if bits else _PLAIN_VALUE, chunk)
        consumed = 0
        for match in matches:
            if match.end() == len(chunk) and not bits and cut < 0 and len(chunk) == 1 << 16:
                break  # a number cut by the chunk edge: read it with the next chunk
            values -= 1
            consumed = match.end()
            if values == 0:
                break
        if consumed == 0:
            consumed = len(chunk)
        buf.pos += consumed
