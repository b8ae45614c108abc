"""The line encoding shared by CUPS raster v2, PWG raster and Apple URF.

Each group of lines is a repeat byte followed by runs: ``0..127`` repeats
the next pixel n+1 times, ``129..255`` copies 257-n literal pixels, ``128``
clears the rest of the line. We only need the encoded length, to find where
the next page header starts.

A line is decoded from what the buffer holds; only when the buffer ends in
the middle of a line is more of the file loaded (and that line decoded
again), so the work stays linear in the size of the job however wide the
lines are.
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
        data, start = buf.buf, buf.pos
        end = _line_end(data, start, len(data), line_units, unit)
        if end is None:
            if not buf.load_more():
                raise PDLError(f"truncated {what} page data at byte {buf.offset()}")
            continue
        if end < 0:
            raise PDLError(f"corrupt {what} line encoding at byte {buf.base + start}")
        y += data[start] + 1
        buf.pos = end


def _line_end(data: bytes, pos: int, end: int, line_units: int, unit: int) -> int | None:
    """Where the encoded line at ``pos`` ends; None if the buffer ends first,
    -1 if its runs overflow the line."""
    if pos >= end:
        return None
    pos += 1  # the repeat byte
    remaining = line_units
    while remaining > 0:
        if pos >= end:
            return None
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
    if pos > end:
        return None
    return -1 if remaining < 0 else pos
