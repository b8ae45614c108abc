"""The line encoding shared by CUPS raster v2, PWG raster and Apple URF.

Each group of lines is a repeat byte followed by runs: ``0..127`` repeats
the next pixel n+1 times, ``129..255`` copies 257-n literal pixels, ``128``
clears the rest of the line. We only need the encoded length, to find where
the next page header starts.
"""

from __future__ import annotations

from .errors import PDLError
from .stream import Buffer


def skip_page(buf: Buffer, height: int, line_units: int, unit: int, what: str) -> None:
    """Advance ``buf`` past ``height`` encoded lines of ``line_units`` pixels."""
    if line_units <= 0 or unit <= 0:
        raise PDLError(f"{what} page header has an empty line")
    y = 0
    while y < height:
        # One line can't need more than 1 + units*(1+unit) bytes; load that.
        need = 1 + line_units * (unit + 1)
        if not buf.ensure(min(need, 1 << 22)):
            buf.ensure(need)  # a short tail is fine if the data really ends
        data, pos, end = buf.buf, buf.pos, len(buf.buf)
        if pos >= end:
            raise PDLError(f"truncated {what} page data at byte {buf.offset()}")
        y += data[pos] + 1
        pos += 1
        remaining = line_units
        while remaining > 0:
            if pos >= end:
                raise PDLError(f"truncated {what} page data at byte {buf.base + pos}")
            n = data[pos]
            pos += 1
            if n < 128:
                pos += unit
                remaining -= n + 1
            elif n > 128:
                pos += (257 - n) * unit
                remaining -= 257 - n
            else:
                remaining = 0
        if remaining < 0 or pos > end:
            raise PDLError(f"corrupt {what} line encoding at byte {buf.base + buf.pos}")
        buf.pos = pos
