"""Which language a job (or one PJL section of it) is written in.

Detection looks only at structure: the PJL ``ENTER LANGUAGE`` of the section
if there is one, otherwise the magic bytes at the very start of the payload.
Nothing is guessed from strings found further into the data.
"""

from __future__ import annotations

import re

from .pjl import LANGUAGES

_PNM = re.compile(rb"P[1-7][\s#]")
# A PCL job opens with a parameterised escape, or with a reset followed by
# another escape or by text. "ESC E" followed by binary is some other
# language that starts the same way (Kodak dye-sublimation printers send
# "ESC E W U" and zeros).
_PCL5_START = re.compile(rb"\x1b[&*()%][\x60-\x7e\-+0-9]")
_PCL5_RESET = re.compile(rb"\x1bE(\x1b|[\x20-\x7e\r\n\t\x0c]{1,16}(\x1b|$)|[\x20-\x7e\r\n\t\x0c]{16})")


def sniff(head: bytes) -> str | None:
    """The language whose magic ``head`` (the payload's first bytes) starts with."""
    if head.startswith(b"%PDF-"):
        return "pclm" if b"%PCLm" in head[:64] else "pdf"
    if head.startswith((b"%!", b"\x04%!", b"\xc5\xd0\xd3\xc6")):
        return "postscript"
    if head[1:12] == b" HP-PCL XL;" and head[:1] in b"()'":
        return "pclxl"
    if head.startswith(b"RaS2PwgRaster\x00"):
        return "pwg-raster"
    if head[:4] in (b"RaSt", b"tSaR", b"RaS2", b"2SaR", b"RaS3", b"3SaR"):
        return "cups-raster"
    if head.startswith(b"UNIRAST\x00"):
        return "urf"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if _PNM.match(head):
        return "pnm"
    if head.startswith(b"Sfff"):
        return "sff"
    if head[:4] in (b"JZJZ", b"ZJZJ"):
        return "zjstream"
    if head.startswith(b",XQX"):
        return "xqx"
    if head.startswith(b"PK\x03\x04"):
        return "xps"
    if head.startswith(b"$\x01\x00\x00\x07"):
        return "lidil"
    if head.startswith(b"\x1b[K\x02\x00"):
        return "canon-bj"
    if head.startswith(b"\x1b*rbC\x1b*t") and b"\x1b\\" in head[:64]:
        return "escp2"  # Ghostscript's escp device opens with these two PCL-like commands
    if head.startswith(b"\x1bS\x1b\x1bS\x1c") or head[:1] == b"\x1d":
        return "escpage"  # ESC/Page mode switch, or a GS command first
    if head.startswith((b"\x1b@", b"\r\x1b@", b"\n\x1b@")):
        return "escp2"
    if _PCL5_START.match(head) or _PCL5_RESET.match(head):
        return "pcl5"
    return None


def language_of_pjl(name: str) -> str | None:
    return LANGUAGES.get(name.upper())


def describe(head: bytes) -> str:
    """A short printable hint of unknown leading bytes for error messages."""
    text = head[:16]
    if all(32 <= b < 127 for b in text):
        return repr(text.decode("ascii"))
    return text.hex(" ")
