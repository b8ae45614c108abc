"""PDF documents of one page per person (refund receipts, invoices): page sizes, fonts, logo.

ReportLab draws them, as in PyKota. Text is set in DejaVu Sans (Debian's fonts-dejavu-core) so
that any name a directory holds shows, accents included; without those fonts, ReportLab's
Helvetica, which covers Latin-1 only. Nothing here reads the directory: callers hand in pages.
"""
from __future__ import annotations

import contextlib
import io
import os
import stat
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Iterable

from reportlab.lib import pagesizes
from reportlab.lib.units import cm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONTS = {"DejaVuSans": "DejaVuSans.ttf", "DejaVuSans-Bold": "DejaVuSans-Bold.ttf"}
LOGO_HEIGHT = 2.5 * cm


class DocumentError(ValueError):
    """A page size or a logo that cannot be used: one line for the user."""


@dataclass
class Page:
    """One person's page: a title, lines under it, then label / value pairs, the last ones bold."""
    title: str
    header: list[str] = field(default_factory=list)
    rows: list[tuple[str, str]] = field(default_factory=list)
    totals: list[tuple[str, str]] = field(default_factory=list)
    footer: str | None = None


def page_size(name: str) -> tuple[float, float]:
    """A4, Letter, or any other ReportLab page size name (any case)."""
    size = getattr(pagesizes, name.strip().upper(), None) if name.strip().isidentifier() else None
    if not (isinstance(size, tuple) and len(size) == 2):
        raise DocumentError(f"unknown page size {name!r}: use A4, Letter, Legal, A3, A5...")
    return size


def load_logo(path: str | Path) -> ImageReader:
    """The logo, read now so that a wrong file is refused before anything is written. Read here
    as a local file: ReportLab, given a name, would also fetch a URL."""
    try:
        with open(path, "rb") as image:
            data = image.read()
    except OSError as exc:
        raise DocumentError(f"cannot use {path} as a logo: {exc.strerror or exc}") from None
    try:
        logo = ImageReader(io.BytesIO(data))
        logo.getSize()
    except Exception:  # PIL raises many kinds for a file that is not an image
        raise DocumentError(f"cannot use {path} as a logo: not an image ReportLab can read") from None
    return logo


def _fonts() -> tuple[str, str]:
    """(regular, bold) font names, registered once."""
    try:
        for name, filename in FONTS.items():
            if name not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / filename)))
        return "DejaVuSans", "DejaVuSans-Bold"
    except Exception:  # fonts-dejavu-core is not installed: Latin-1 accents still show
        return "Helvetica", "Helvetica-Bold"


def write_pages(out: BinaryIO, pages: Iterable[Page], size: str = "A4", logo: ImageReader | None = None,
                title: str = "pykota-ldap", when: datetime | None = None) -> int:
    """Draw one PDF page per Page on `out`; returns the number of pages."""
    width, height = page_size(size)
    regular, bold = _fonts()
    canvas = Canvas(out, pagesize=(width, height), pageCompression=1)
    canvas.setTitle(title)
    canvas.setAuthor("pykota-ldap")
    canvas.setCreator("pykota-ldap")
    count = 0
    for page in pages:
        _draw(canvas, page, width, height, regular, bold, logo)
        canvas.showPage()
        count += 1
    if count:
        canvas.save()
    return count


def render(pages: Iterable[Page], size: str = "A4", logo: ImageReader | None = None, title: str = "pykota-ldap",
           when: datetime | None = None) -> bytes:
    """The whole PDF in memory: nothing reaches a file before it is complete."""
    out = io.BytesIO()
    write_pages(out, pages, size, logo, title, when)
    return out.getvalue()


def save(path: str, data: bytes) -> None:
    """`data` to stdout ('-') or to `path`. A regular file is replaced whole (a temporary file in
    its folder, renamed: an error or Ctrl-C leaves no half document, and a link someone planted
    there is replaced, never followed), readable by its owner only: the documents name other
    people and their amounts. A device or a pipe is written to."""
    try:
        if path == "-":
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
            return
        mode = os.lstat(path).st_mode if os.path.lexists(path) else stat.S_IFREG
        if not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
            with open(path, "wb") as device:
                device.write(data)
            return
        _replace(path, data)
    except BrokenPipeError:
        raise                   # `| head`: the command's own quiet end
    except OSError as exc:
        raise DocumentError(f"cannot write {path}: {exc.strerror or exc}") from None


def _replace(path: str, data: bytes) -> None:
    fd, temporary = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), prefix=".pykota-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _draw(canvas: Canvas, page: Page, width: float, height: float, regular: str, bold: str,
          logo: ImageReader | None) -> None:
    left, top = 2 * cm, height - 2 * cm
    if logo is not None:
        w, h = logo.getSize()
        canvas.drawImage(logo, left, top - LOGO_HEIGHT, width=LOGO_HEIGHT * w / h, height=LOGO_HEIGHT,
                         preserveAspectRatio=True, mask="auto")
        top -= LOGO_HEIGHT + 0.8 * cm
    canvas.setFont(bold, 18)
    canvas.drawString(left, top, page.title)
    y = top - 1.0 * cm
    canvas.setFont(regular, 11)
    for line in page.header:
        canvas.drawString(left, y, line)
        y -= 0.6 * cm
    y -= 0.6 * cm
    right = width - 2 * cm
    for rows, font in ((page.rows, regular), (page.totals, bold)):
        canvas.setFont(font, 12)
        for label, value in rows:
            canvas.drawString(left, y, label)
            canvas.drawRightString(right, y, value)
            y -= 0.7 * cm
    if page.footer:
        canvas.setFont(regular, 8)
        canvas.drawString(left, 1.5 * cm, page.footer)
