"""A banner page (pkbanner): who printed what, where, when, what became of it, and what is left
of the user's quota or balance; one PDF page drawn with ReportLab, or PostScript made from it by
ghostscript's ps2write (the language most printers fed by a raw backend read).

Text is set in DejaVu Sans (Debian's fonts-dejavu-core), so names and titles in any script
print; without those fonts the page falls back to Helvetica (Latin-1 only). `save_toner`
(0-99) lightens every colour by that percentage, as PyKota's -s did.
"""
from __future__ import annotations

import io
import os
import stat
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field

FONT_DIR = "/usr/share/fonts/truetype/dejavu"
MAX_LOGO = 16 << 20                       # bytes: a logo, not a photo album
PAGE_SIZES = ("A4", "A3", "A5", "Letter", "Legal")


class BannerError(Exception):
    pass


@dataclass(frozen=True)
class BannerText:
    """What the page says (each value already text)."""

    user: str
    printer: str
    job_id: str
    date: str
    action: str
    title: str = ""
    filename: str = ""
    account: list[tuple[str, str]] = field(default_factory=list)    # (label, value): quota or balance
    more: str = ""


_ACTIONS = {"ALLOW": "Allowed", "WARN": "Allowed with Warning", "DENY": "Denied", "PROBLEM": "Problem",
            "CANCEL": "Cancelled"}


def text_from_environment(env: Mapping[str, str], date: str, more: str = "") -> BannerText:
    """The page's text from the PYKOTA* variables the backend gives a banner command."""
    def value(name: str) -> str:
        found = env.get(name, "")
        return "" if found == "None" else found

    limit_by = value("PYKOTALIMITBY").lower()
    if limit_by == "balance":
        account = [("Balance", value("PYKOTABALANCE") or "unknown")]
    elif limit_by in ("noquota", "nochange", "noprint"):
        account = [("Printing mode", {"noquota": "no quota", "nochange": "free printing",
                                      "noprint": "printing forbidden"}[limit_by])]
    elif limit_by:
        account = [("Pages used", value("PYKOTAPAGECOUNTER") or "0"),
                   ("Soft limit", value("PYKOTASOFTLIMIT") or "none"),
                   ("Hard limit", value("PYKOTAHARDLIMIT") or "none"),
                   ("Date limit", value("PYKOTADATELIMIT") or "none")]
    else:
        account = []
    action = value("PYKOTAACTION").upper()
    return BannerText(user=value("PYKOTAUSERNAME"), printer=value("PYKOTAPRINTERNAME"), job_id=value("PYKOTAJOBID"),
                      date=date, action=_ACTIONS.get(action, action.title() or "Unknown"),
                      title=value("PYKOTATITLE"), filename=value("PYKOTAFILENAME"), account=account, more=more)


def _fonts() -> tuple[str, str]:
    """(regular, bold) font names, registering DejaVu once when it is installed."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    regular, bold = os.path.join(FONT_DIR, "DejaVuSans.ttf"), os.path.join(FONT_DIR, "DejaVuSans-Bold.ttf")
    if not (os.path.exists(regular) and os.path.exists(bold)):
        return "Helvetica", "Helvetica-Bold"
    if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVuSans", regular))
        pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", bold))
    return "DejaVuSans", "DejaVuSans-Bold"


def page_size(name: str) -> tuple[float, float]:
    from reportlab.lib import pagesizes
    for known in PAGE_SIZES:
        if known.lower() == name.lower():
            return getattr(pagesizes, known.upper())
    raise BannerError(f"unknown page size {name!r} (one of {', '.join(PAGE_SIZES)})")


def read_logo(path: str) -> bytes:
    """The logo's bytes, from a plain file of at most MAX_LOGO bytes: a FIFO would block the banner
    (and the job) forever, /dev/zero fill the memory. Opened without blocking, checked once open."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise BannerError(f"cannot read the logo {path}: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as logo:
        info = os.fstat(logo.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise BannerError(f"the logo {path} is not a plain file")
        if info.st_size > MAX_LOGO:
            raise BannerError(f"the logo {path} is larger than {MAX_LOGO >> 20} MiB")
        return logo.read(MAX_LOGO)


def _grey(level: float, save_toner: int) -> float:
    """A grey level (0 black .. 1 white) lightened by save_toner percent."""
    return level + (1 - level) * save_toner / 100


def pdf(text: BannerText, size: str = "A4", logo: str | None = None, url: str = "", save_toner: int = 0) -> bytes:
    """The banner as a one-page PDF."""
    from reportlab.lib.units import cm
    from reportlab.pdfgen import canvas
    if not 0 <= save_toner <= 99:
        raise BannerError("save toner must be between 0 and 99")
    width, height = page_size(size)
    regular, bold = _fonts()
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=(width, height), pageCompression=0)
    page.setTitle(f"Banner: job {text.job_id} of {text.user}")
    top = height - 2 * cm
    if logo:
        from reportlab.lib.utils import ImageReader
        image = read_logo(logo)
        try:
            page.drawImage(ImageReader(io.BytesIO(image)), 2 * cm, top - 3 * cm, width=6 * cm, height=3 * cm,
                           preserveAspectRatio=True,
                           anchor="nw", mask="auto")
        except Exception as exc:  # noqa: BLE001 - PIL's errors for a bad image are of many kinds (bombs...)
            raise BannerError(f"cannot draw the logo {logo}: {exc}") from None
        top -= 4 * cm
    page.setFillGray(_grey(0.0, save_toner))
    page.setFont(bold, 28)
    page.drawString(2 * cm, top - 1 * cm, text.user)
    page.setFont(regular, 16)
    page.setFillGray(_grey(0.2, save_toner))
    page.drawString(2 * cm, top - 2 * cm, text.action)
    rows = [("Printer", text.printer), ("Job", text.job_id), ("Date", text.date), ("Title", text.title),
            ("File", text.filename), *text.account]
    if text.more:
        rows.append(("More Info", text.more))
    y = top - 3.5 * cm
    for label, value in rows:
        page.setFont(bold, 12)
        page.drawString(2 * cm, y, f"{label} :")
        page.setFont(regular, 12)
        page.drawString(6 * cm, y, value[:90])
        y -= 0.8 * cm
    if url:
        page.setFont(regular, 10)
        page.setFillGray(_grey(0.4, save_toner))
        page.drawString(2 * cm, 1.5 * cm, url)
        page.linkURL(url, (2 * cm, 1.3 * cm, width - 2 * cm, 2 * cm))
    page.showPage()
    page.save()
    return out.getvalue()


def postscript(document: bytes, timeout: float = 60.0) -> bytes:
    """A PDF made PostScript by ghostscript (ps2write), in its safe mode."""
    try:
        done = subprocess.run(["gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=ps2write",
                               "-sOutputFile=-", "-"], input=document, capture_output=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BannerError(f"ghostscript failed: {exc}") from None
    if done.returncode != 0 or not done.stdout.startswith(b"%!"):
        raise BannerError(f"ghostscript failed: {done.stderr.decode('utf-8', 'replace').strip()[:200]}")
    return done.stdout
