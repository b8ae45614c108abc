"""OPL (Konica Minolta magicolor 2480MF and kin; foo2lava -z1): count end-of-page events.

The job is a sequence of ``Key=value;`` records; binary values are written
``Key#N=`` followed by exactly N bytes and ``;``, so raster data is skipped
whole and never read as records. ``Event=EndOfPage`` ends a page and
``Event=EndOfJob`` the job. The format has no copies field.
"""

from __future__ import annotations

import re

from .errors import PDLError
from .result import Tally
from .section import Section, SectionResult

_RECORD = re.compile(rb"([A-Za-z][A-Za-z0-9_.]{0,63})(?:#([0-9]{1,10}))?=")
MAX_VALUE = 4096     # a text value (a media name, a version): longer is not OPL


def count(section: Section) -> SectionResult:
    buf = section.buffer()
    tally = Tally()
    while buf.ensure(1):
        if buf.buf[buf.pos] in b"\r\n\x00":
            buf.pos += 1
            continue
        buf.ensure(80)
        record = _RECORD.match(buf.buf, buf.pos)
        if record is None:
            raise PDLError(f"malformed OPL record at byte {buf.offset()}")
        buf.pos = record.end()
        if record.group(2) is not None:
            buf.skip(int(record.group(2)), "OPL data")
        else:
            value = _text(buf)
            if record.group(1) == b"Event" and value == b"EndOfPage":
                tally.add(1)
            elif record.group(1) == b"Event" and value == b"EndOfJob":
                break
            continue
        if buf.take(1, "OPL record end") != b";":
            raise PDLError(f"OPL data without its ';' at byte {buf.offset() - 1}")
    return SectionResult(tally)


def _text(buf) -> bytes:
    buf.ensure(MAX_VALUE + 1)
    end = buf.buf.find(b";", buf.pos, buf.pos + MAX_VALUE + 1)
    if end < 0:
        raise PDLError(f"unterminated OPL value at byte {buf.offset()}")
    value = bytes(buf.buf[buf.pos:end])
    buf.pos = end + 1
    return value
