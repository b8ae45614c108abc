"""CUPS raster (v1, v2, v3, both byte orders) and PWG raster: walk page headers.

Each page is a 1796-byte header followed by its bitmap: uncompressed in v1
and v3 (bytes per line x height), run-length encoded in v2 and PWG (decoded
just enough to find the end). The page count is the number of complete
pages. ``NumCopies`` in the header is not used: CUPS filters write copies
out as repeated pages.
"""

from __future__ import annotations

import struct

from .errors import PDLError
from .rasterlines import skip_page
from .result import Tally
from .section import Section, SectionResult

HEADER = 1796
_SYNC = {b"RaSt": (">", 1), b"tSaR": ("<", 1), b"RaS2": (">", 2), b"2SaR": ("<", 2),
         b"RaS3": (">", 3), b"3SaR": ("<", 3)}
MAX_DIMENSION = 1 << 20
ORDER_PLANAR = 2


def count(section: Section) -> SectionResult:
    buf = section.buffer()
    sync = buf.take(4, "raster sync word")
    if sync not in _SYNC:
        raise PDLError("bad CUPS raster sync word")
    order, version = _SYNC[sync]
    what = "PWG raster" if section.language == "pwg-raster" else f"CUPS raster v{version}"
    fields = struct.Struct(order + "7I")  # cupsWidth .. cupsColorOrder at 372..396
    number = struct.Struct(order + "I")
    tally = Tally()
    while buf.ensure(1):
        header = buf.take(HEADER, f"{what} page header")
        width, height, _media, bits_color, bits_pixel, bytes_line, color_order = fields.unpack_from(header, 372)
        colors = number.unpack_from(header, 420)[0] if version > 1 else 0
        if not (0 < width < MAX_DIMENSION and 0 < height < MAX_DIMENSION and 0 < bytes_line < MAX_DIMENSION * 8):
            raise PDLError(f"implausible {what} page size {width}x{height} at byte {buf.offset() - HEADER}")
        if bits_pixel == 0 or bits_pixel > 240:
            raise PDLError(f"implausible {what} bits per pixel {bits_pixel}")
        lines = height * (max(1, colors) if color_order == ORDER_PLANAR else 1)
        if version == 2:
            bits = bits_color if color_order != 0 else bits_pixel
            unit = max(1, (bits + 7) // 8)
            skip_page(buf, lines, bytes_line // unit, unit, what)
        else:
            buf.skip(bytes_line * lines, f"{what} page data")
        tally.add(1)
    return SectionResult(tally)
