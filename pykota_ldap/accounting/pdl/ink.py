"""Ink coverage per page, from Ghostscript's ``ink_cov`` device.

``ink_cov`` renders each page in CMYK and reports the average amount of
each ink, in percent. The other colour spaces of the old tool are derived from
it: CMY folds black into the three inks, RGB is the light left on paper,
BW is the darkness of that RGB (ITU-R 601 luma), GC says whether the page
uses any colour ink at all. Only languages Ghostscript reads (PDF, PCLm,
PostScript) can be measured.
"""

from __future__ import annotations

import re

from . import ghostscript
from .deadline import Deadline
from .detect import sniff
from .errors import PDLError
from .pjl import PJLState, read_header
from .sandbox import JOB_NAME
from .stream import Job

COLORSPACES = ("bw", "gc", "rgb", "cmy", "cmyk")
_INK_LINE = re.compile(rb"^\s*([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)\s+CMYK\s+OK", re.M)
COLOR_THRESHOLD = 0.0005
INK_MEMORY = 2 << 30


def ink_coverage(source, colorspace: str = "cmyk", resolution: int = 72,
                 timeout: float | None = 120.0) -> list[dict[str, float]]:
    """Per-page ink percentages, e.g. ``[{"C": 1.2, "M": 0.0, "Y": 0.0, "K": 7.5}]``."""
    colorspace = colorspace.lower()
    if colorspace not in COLORSPACES:
        raise PDLError(f"unknown colour space {colorspace!r} (one of {', '.join(COLORSPACES)})")
    if not 72 <= int(resolution) <= 1200:
        raise PDLError("resolution must be between 72 and 1200 dpi")
    deadline = Deadline(timeout)
    job = Job(source, deadline)
    try:
        pages = _measure(job, int(resolution), deadline)
    finally:
        job.close()
    return [_convert(page, colorspace) for page in pages]


def _measure(job: Job, resolution: int, deadline: Deadline) -> list[tuple[float, ...]]:
    buf = job.buffer(job.start)
    read_header(buf, PJLState())
    offset = buf.offset()
    language = sniff(buf.peek(256))
    if language not in ("pdf", "pclm", "postscript"):
        raise PDLError(f"ink coverage needs PDF or PostScript, not {language or 'an unknown format'}")
    args = ["-sDEVICE=ink_cov", f"-r{resolution}", "-sOutputFile=-", "-f", JOB_NAME]
    # Rendering at up to 1200 dpi needs more room than counting.
    status, out, _ = ghostscript.run(job, offset, None, args, deadline, "measuring ink", memory=INK_MEMORY)
    pages = [tuple(float(v) for v in match.groups()) for match in _INK_LINE.finditer(out)]
    if not pages:
        raise PDLError(f"{ghostscript.COULD_NOT_INTERPRET} (it measured no page)")
    return pages


def _convert(cmyk: tuple[float, ...], colorspace: str) -> dict[str, float]:
    # ink_cov prints percentages (its sibling inkcov prints fractions).
    c, m, y, k = (min(1.0, max(0.0, v / 100)) for v in cmyk)
    if colorspace == "cmyk":
        return {"C": 100 * c, "M": 100 * m, "Y": 100 * y, "K": 100 * k}
    cyan, magenta, yellow = (min(1.0, v + k) for v in (c, m, y))
    if colorspace == "cmy":
        return {"C": 100 * cyan, "M": 100 * magenta, "Y": 100 * yellow}
    red, green, blue = 1 - cyan, 1 - magenta, 1 - yellow
    if colorspace == "rgb":
        return {"R": 100 * red, "G": 100 * green, "B": 100 * blue}
    if colorspace == "bw":
        return {"B": 100 * (1 - (0.299 * red + 0.587 * green + 0.114 * blue))}
    colored = max(c, m, y) > COLOR_THRESHOLD
    return {"G": 0.0 if colored else 100.0, "C": 100.0 if colored else 0.0}


def format_page(values: dict[str, float]) -> str:
    """One line per page, as the old pkpgcounter printed them."""
    return "      ".join(f"{name} : {value:10.6f}%" for name, value in values.items())
