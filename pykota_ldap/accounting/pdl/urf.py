"""Apple raster (URF, "UNIRAST"): walk the pages.

The file header's page count is often 0 (CUPS writes it so), so each page
header is read and its run-length encoded lines are skipped.
"""

from __future__ import annotations

import struct

from .errors import PDLError
from .rasterlines import skip_page
from .result import Tally
from .section import Section, SectionResult

PAGE_HEADER = 32
_SIZE = struct.Struct(">II")
MAX_DIMENSION = 1 << 20


def count(section: Section) -> SectionResult:
    buf = section.buffer()
    if buf.take(12, "URF header")[:8] != b"UNIRAST\x00":
        raise PDLError("bad URF header")
    tally = Tally()
    while buf.ensure(1):
        header = buf.take(PAGE_HEADER, "URF page header")
        bits = header[0]
        width, height = _SIZE.unpack_from(header, 12)
        if bits not in (1, 8, 16, 24, 32, 48, 64) or not (0 < width < MAX_DIMENSION and 0 < height < MAX_DIMENSION):
            raise PDLError(f"implausible URF page header at byte {buf.offset() - PAGE_HEADER}")
        unit = max(1, bits // 8)
        skip_page(buf, height, (width * bits + 7) // 8 // unit, unit, "URF")
        tally.add(1)
    return SectionResult(tally)
