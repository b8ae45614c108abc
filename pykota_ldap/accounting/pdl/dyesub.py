"""Dye-sublimation formats where every print is one fixed header that gives its size
(Gutenprint's dyesub driver).

* ``hiti`` (HiTi P510/P520/P720/P750...): ``GPHT``, then little-endian
  32-bit fields: header length (offset 4), copies (28), image bytes (48).
* ``shinko`` (Sinfonia/Shinko CHC-S1245, S2145, S6145, S6245): a 116-byte
  header of 32-bit little-endian fields (16, the model number, ... rows at
  52, columns at 56, copies at 60), rows x columns x 3 bytes, ``04 03 02 01``.
* ``kodak-6800`` (Kodak 6800/6850): ``03 ESC CHC LF``, big-endian 16-bit
  copies (8), rows (10), columns (12), 17 bytes in all, then rows x columns x 3.
* ``canon-selphy`` (Canon SELPHY CP820/CP910/CP1000/CP1200/CP1300): a
  32-byte header (``0f 00 00 40``, ten zeros, ``01 00``; 32-bit columns at
  24 and rows at 28), then rows x columns x 3. No copies field.
* ``kodak-605`` (Kodak 605, 7000/7010/7015, 8810): ``01 40``, the length of
  the rest (10 or 18), 0, 1, copies (16-bit), 16-bit little-endian columns
  (7) and rows (9), then rows x columns x 3. The 8810 writes copies
  little-endian; the 605 big-endian in BCD and the 70xx little-endian, under
  the same header: there only one copy (``00 01`` or ``01 00``) is read,
  other values are refused rather than guessed.
* ``kodak-1400`` (Kodak 1400 and 805): ``PGHD``, 32-bit little-endian
  columns (4), rows (8) and their product (12), 36 bytes in all, then
  rows x columns x 3. No copies field.

Each header is checked against what that family writes; a print whose image
the file does not hold is "truncated", anything else between prints an error.
"""

from __future__ import annotations

import struct

from .errors import PDLError
from .result import Tally
from .section import Section, SectionResult

_U32 = struct.Struct("<I")
_BE16 = struct.Struct(">H")
MAX_COPIES = 9999
MAX_SIDE = 20000                 # pixels of one side of a print (a 300 dpi 60 inch roll)
SHINKO_MODELS = (1245, 2145, 6145, 6245)


def _hiti(header: bytes) -> tuple[int, int] | None:
    if header[:4] != b"GPHT":
        return None
    length, copies, image = (_U32.unpack_from(header, at)[0] for at in (4, 28, 48))
    if length != 52:
        return None
    return length + image, copies


def _shinko(header: bytes) -> tuple[int, int] | None:
    fields = struct.unpack_from("<16I", header)
    if fields[0] != 16 or fields[1] not in SHINKO_MODELS:
        return None
    rows, columns, copies = fields[13], fields[14], fields[15]
    if not (0 < rows <= MAX_SIDE and 0 < columns <= MAX_SIDE):
        return None
    return 116 + rows * columns * 3 + 4, copies


def _kodak_6800(header: bytes) -> tuple[int, int] | None:
    if header[:6] != b"\x03\x1bCHC\n":
        return None
    copies, rows, columns = (_BE16.unpack_from(header, at)[0] for at in (8, 10, 12))
    if not (0 < rows <= MAX_SIDE and 0 < columns <= MAX_SIDE):
        return None
    return 17 + rows * columns * 3, copies


def _canon_selphy(header: bytes) -> tuple[int, int] | None:
    if header[:16] != _SELPHY:
        return None
    columns, rows = (_U32.unpack_from(header, at)[0] for at in (24, 28))
    if not (0 < rows <= MAX_SIDE and 0 < columns <= MAX_SIDE):
        return None
    return 32 + rows * columns * 3, 1


def _kodak_605(header: bytes) -> tuple[int, int] | None:
    if header[:2] != b"\x01\x40" or header[2] not in (10, 18) or header[3:5] != b"\x00\x01":
        return None
    columns, rows = struct.unpack_from("<HH", header, 7)
    if not (0 < rows <= MAX_SIDE and 0 < columns <= MAX_SIDE):
        return None
    if header[2] == 18:
        copies = struct.unpack_from("<H", header, 5)[0]
    elif header[5:7] in (b"\x00\x01", b"\x01\x00"):
        copies = 1
    else:
        raise PDLError(f"Kodak 605/70xx copies field {header[5:7].hex()} is read differently by the two models")
    return 4 + header[2] + rows * columns * 3, copies


def _kodak_1400(header: bytes) -> tuple[int, int] | None:
    if header[:4] != b"PGHD":
        return None
    columns, rows, pixels = (_U32.unpack_from(header, at)[0] for at in (4, 8, 12))
    if not (0 < rows <= MAX_SIDE and 0 < columns <= MAX_SIDE and pixels == rows * columns):
        return None
    return 36 + pixels * 3, 1


_SELPHY = b"\x0f\x00\x00\x40" + bytes(10) + b"\x01\x00"

# language -> (bytes its header needs, reader: (print length, copies) or None if not a header)
FAMILIES = {"hiti": (52, _hiti), "shinko": (116, _shinko), "kodak-6800": (17, _kodak_6800),
            "canon-selphy": (32, _canon_selphy), "kodak-1400": (36, _kodak_1400), "kodak-605": (14, _kodak_605)}
_SHINKO_END = b"\x04\x03\x02\x01"


def count(section: Section) -> SectionResult:
    size, read = FAMILIES[section.language]
    buf = section.buffer()
    tally = Tally()
    while buf.ensure(1):
        at = buf.offset()
        if not buf.ensure(size):
            raise PDLError(f"truncated {section.language} print header at byte {at}")
        found = read(bytes(buf.buf[buf.pos:buf.pos + size]))
        if found is None:
            raise PDLError(f"not a {section.language} print header at byte {at}")
        length, copies = found
        if not 1 <= copies <= MAX_COPIES:
            raise PDLError(f"implausible {section.language} copies ({copies}) at byte {at}")
        if section.language == "shinko":
            buf.skip(length - len(_SHINKO_END), "shinko print")
            if buf.take(len(_SHINKO_END), "shinko print end") != _SHINKO_END:
                raise PDLError(f"shinko print from byte {at} does not end with its marker")
        else:
            buf.skip(length, f"{section.language} print")
        tally.add(1, copies)
    return SectionResult(tally)
