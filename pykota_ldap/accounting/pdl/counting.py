"""Split a job into PJL sections, hand each to its language counter, add up."""

from __future__ import annotations

import importlib

from .deadline import Deadline
from .detect import describe, language_of_pjl, sniff
from .errors import PDLError
from .limits import MAX_PAGES
from .pjl import PJLState, read_header
from .result import PageCount, Tally
from .section import Section, SectionResult
from .stream import Job

# language -> module (in this package) whose count(section) handles it.
# Modules are imported only when a job needs them, so that importing the
# package stays cheap for the backend.
COUNTERS = {
    "pdf": "pdf", "pclm": "pdf",
    "postscript": "postscript",
    "pcl5": "pcl5", "pcl3": "pcl5", "pcl3gui": "pcl5", "lavaflow": "pcl5",
    "pclxl": "pclxl",
    "pwg-raster": "cupsraster", "cups-raster": "cupsraster",
    "urf": "urf",
    "tiff": "tiff",
    "pnm": "pnm",
    "sff": "sff",
    "zjstream": "zjstream",
    "xqx": "xqx",
    "qpdl": "qpdl",
    "spl1": "spl1",
    "lidil": "lidil",
    "xps": "xps",
    "canon-bj": "canonbj",
    "escp2": "escp2",
    "escpage": "escpage",
    "escpr": "escpr",
    "hpgl": "hpgl",
    "dnp": "dnp",
    "hiti": "dyesub", "shinko": "dyesub", "kodak-6800": "dyesub",
    "canon-selphy": "dyesub", "kodak-1400": "dyesub", "kodak-605": "dyesub",
    "mitsubishi": "mitsubishi", "mitsubishi-d70": "mitsud70",
    "sony": "sony",
    "opl": "opl",
    "hbpl": "hbpl",
    "hbp": "hbp",
}

MAX_SECTIONS = 100_000


def count_job(job: Job) -> PageCount:
    state = PJLState()
    total = Tally()
    pages_by_language: dict[str, int] = {}
    offset = job.start
    for _ in range(MAX_SECTIONS):
        buf = job.buffer(offset)
        pjl_name = read_header(buf, state)
        if buf.at_eof():
            break
        start = buf.offset()
        language = _language(pjl_name, buf.peek(256))
        counter = _counter(language)
        result: SectionResult = counter(Section(job, start, language, state, job.deadline))
        pages = result.tally.pages
        pages_by_language[language] = pages_by_language.get(language, 0) + pages
        total.merge(result.tally.resolve(state.copies, state.qty))
        if result.resume_at is None or result.resume_at <= start:
            break
        offset = result.resume_at
    else:
        raise PDLError("too many PJL sections")
    if not pages_by_language:
        raise PDLError("no printable data after the PJL header")
    language = max(pages_by_language, key=lambda name: pages_by_language[name])
    pages = total.pages
    if pages == 0:
        raise PDLError(f"no page found in this {language} job")
    page_images = sum((copies or 1) * n for copies, n in total.by_copies.items())
    if job.max_pages is not None and page_images > job.max_pages:
        raise PDLError(f"implausible count: {page_images} page images "
                       f"(more than the limit of {job.max_pages} per job)")
    copies = max(copies or 1 for copies in total.by_copies)
    return PageCount(pages=pages, copies=copies, total=page_images, language=language)


def _language(pjl_name: str | None, head: bytes) -> str:
    sniffed = sniff(head)
    if pjl_name is None:
        if sniffed is None:
            raise PDLError(f"unknown job format (starts with {describe(head)})")
        return sniffed
    if sniffed == "hpgl" and "HPGL" not in pjl_name.upper():
        # HP-GL's opening (IN; DF; BP) is text, not a magic: it names the language only where
        # PJL enters HP-GL; after ENTER LANGUAGE=PCL it is printed as text, the job is PCL's.
        sniffed = None
    named = language_of_pjl(pjl_name)
    if named is None:
        # Only an unmistakable magic (%PDF-, %!, a raster header...) may
        # overrule an unknown PJL language: escape-based data after an
        # unknown name is some vendor language, not PCL (the old tool's
        # garbage counts came from guessing here).
        if sniffed is None or sniffed in ("pcl5", "escp2"):
            raise PDLError(f"unsupported language {pjl_name!r} entered by PJL")
        return sniffed
    # A PCL section that PJL calls PCL3GUI keeps its name; a magic that
    # contradicts the PJL language wins (drivers mislabel, magic does not).
    if sniffed is not None and COUNTERS.get(sniffed) != COUNTERS.get(named):
        return sniffed
    return named


def _counter(language: str):
    module = importlib.import_module(f".{COUNTERS[language]}", __package__)
    return module.count


def count_pages(source, timeout: float | None = 60.0, max_pages: int | None = MAX_PAGES) -> PageCount:
    job = Job(source, Deadline(timeout), max_pages)
    try:
        return count_job(job)
    except PDLError:
        raise
    except RecursionError:
        raise PDLError("structure nested too deeply") from None
    except MemoryError:
        raise PDLError("job needs too much memory to count") from None
    except Exception as exc:  # a counter bug must not take the backend down
        raise PDLError(f"cannot count this job: {type(exc).__name__}: {exc}") from None
    finally:
        job.close()
