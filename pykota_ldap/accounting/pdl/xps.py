"""XPS / OpenXPS: count the FixedPage references of the fixed documents.

The zip's ``_rels/.rels`` names the FixedDocumentSequence, which lists the
FixedDocuments, which list their pages (``PageContent``). Parts are read
with a size cap and only scanned for those reference elements, so a hostile
archive cannot blow up memory or time.
"""

from __future__ import annotations

import posixpath
import re
import zipfile

from .errors import PDLError
from .result import Tally
from .section import Section, SectionResult
from .stream import Window

MAX_PART = 16 << 20
MAX_DOCUMENTS = 1000
_SEQUENCE_REL = re.compile(rb'Target="([^"]+)"[^>]*Type="[^"]*/fixedrepresentation"|'
                           rb'Type="[^"]*/fixedrepresentation"[^>]*Target="([^"]+)"')
_DOCUMENT_REF = re.compile(rb"<(?:\w+:)?DocumentReference\b[^>]*\bSource=\"([^\"]+)\"")
_PAGE_CONTENT = re.compile(rb"<(?:\w+:)?PageContent\b")


def count(section: Section) -> SectionResult:
    job = section.job
    source = job.path if job.path is not None and section.offset == 0 else Window(job.file, section.offset, job.end)
    try:
        with zipfile.ZipFile(source) as archive:
            pages = _count(archive, section)
    except zipfile.BadZipFile as exc:
        raise PDLError(f"damaged XPS (zip) archive: {exc}") from None
    except (KeyError, EOFError, ValueError, NotImplementedError, OSError) as exc:
        raise PDLError(f"damaged XPS archive: {exc}") from None
    tally = Tally()
    tally.add(pages)
    return SectionResult(tally)


def _read(archive: zipfile.ZipFile, name: str) -> bytes:
    name = name.lstrip("/")
    info = archive.getinfo(name)
    if info.file_size > MAX_PART:
        raise PDLError(f"XPS part {name} is too large")
    with archive.open(info) as part:
        return part.read(MAX_PART + 1)[:MAX_PART]


def _count(archive: zipfile.ZipFile, section: Section) -> int:
    names = set(archive.namelist())
    if "_rels/.rels" not in names:
        raise PDLError("zip archive that is not an XPS document (no _rels/.rels)")
    match = _SEQUENCE_REL.search(_read(archive, "_rels/.rels"))
    if match is None:
        raise PDLError("XPS package without a FixedDocumentSequence")
    sequence = (match.group(1) or match.group(2)).decode("utf-8", "replace")
    base = posixpath.dirname(sequence.lstrip("/"))
    pages = 0
    documents = _DOCUMENT_REF.findall(_read(archive, sequence))
    for reference in documents[:MAX_DOCUMENTS]:
        section.deadline.check()
        name = _resolve(base, reference.decode("utf-8", "replace"))
        pages += len(_PAGE_CONTENT.findall(_read(archive, name)))
    return pages


def _resolve(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(base, target))
