"""TIFF and BigTIFF, either byte order: follow the chain of image directories.

Each top-level directory is a page, except reduced-resolution images
(NewSubfileType bit 0: thumbnails) which no printer prints. A loop in the
chain or an offset outside the file is damage, reported as such.
"""

from __future__ import annotations

import struct

from .errors import PDLError
from .result import Tally
from .section import Section, SectionResult

NEW_SUBFILE_TYPE = 254
MAX_PAGES = 1_000_000


def count(section: Section) -> SectionResult:
    job = section.job
    base = section.offset
    size = job.end - base
    head = job.read_at(base, 16)
    if len(head) < 8:
        raise PDLError("truncated TIFF header")
    order = "<" if head[:2] == b"II" else ">"
    big = struct.unpack_from(order + "H", head, 2)[0] == 43
    if big:
        if len(head) < 16:
            raise PDLError("truncated BigTIFF header")
        offset = struct.unpack_from(order + "Q", head, 8)[0]
        count_fmt, entry_size, next_fmt = order + "Q", 20, order + "Q"
    else:
        offset = struct.unpack_from(order + "I", head, 4)[0]
        count_fmt, entry_size, next_fmt = order + "H", 12, order + "I"
    count_size = struct.calcsize(count_fmt)
    next_size = struct.calcsize(next_fmt)
    tag_fmt = struct.Struct(order + "HH")
    seen: set[int] = set()
    tally = Tally()
    while offset:
        if offset in seen:
            raise PDLError("TIFF directory chain loops")
        if offset + count_size > size or len(seen) > MAX_PAGES:
            raise PDLError(f"TIFF directory offset {offset} is outside the file")
        seen.add(offset)
        if len(seen) % 256 == 0:
            section.deadline.check()
        entries = struct.unpack(count_fmt, job.read_at(base + offset, count_size))[0]
        table_size = entries * entry_size
        if entries == 0 or offset + count_size + table_size + next_size > size:
            raise PDLError(f"damaged TIFF directory at byte {offset}")
        table = job.read_at(base + offset + count_size, table_size + next_size)
        if not _is_thumbnail(table, entries, entry_size, tag_fmt, order, big):
            tally.add(1)
        offset = struct.unpack_from(next_fmt, table, table_size)[0]
    return SectionResult(tally)


def _is_thumbnail(table: bytes, entries: int, entry_size: int, tag_fmt, order: str, big: bool) -> bool:
    for i in range(min(entries, 64)):  # tags are sorted: 254 comes first
        tag, kind = tag_fmt.unpack_from(table, i * entry_size)
        if tag == NEW_SUBFILE_TYPE:
            value_at = i * entry_size + (12 if big else 8)
            value = struct.unpack_from(order + ("I" if kind == 4 else "H"), table, value_at)[0]
            return bool(value & 1)
        if tag > NEW_SUBFILE_TYPE:
            return False
    return False
