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

# Standalone HP-GL(/2) opens with IN (initialise), DF (defaults) or BP (begin
# plot), after HP-GL/1 device-control escapes (ESC . x ... :) if any.
_HPGL = re.compile(rb"(?:\x1b\.[\x20-\x7e][0-9;,\s]{0,64}:?)*[\r\n\t ;]{0,16}(?:IN|DF|BP)[ \t]*(?:[;0-9\"]|\r?\n)")


# Plain magic numbers, in the order they are tried (none is a prefix of another's).
_MAGIC = (
    ((b"%!", b"\x04%!", b"\xc5\xd0\xd3\xc6"), "postscript"),
    ((b"RaS2PwgRaster\x00",), "pwg-raster"),
    ((b"RaSt", b"tSaR", b"RaS2", b"2SaR", b"RaS3", b"3SaR"), "cups-raster"),
    ((b"UNIRAST\x00",), "urf"),
    ((b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"), "tiff"),
    ((b"Sfff",), "sff"),
    ((b"JZJZ", b"ZJZJ"), "zjstream"),
    ((b",XQX",), "xqx"),
    ((b"PK\x03\x04",), "xps"),
    ((b"$\x01\x00\x00\x07",), "lidil"),
    ((b"\x1b[K\x02\x00",), "canon-bj"),
    ((b"Event=StartOfJob;",), "opl"),
    ((b"\x1bPCNTRL ", b"\x1bPIMAGE "), "dnp"),
    ((b"GPHT4\x00\x00\x00",), "hiti"),
    ((b"\x10\x00\x00\x00\xdd\x04\x00\x00", b"\x10\x00\x00\x00\x61\x08\x00\x00",   # Shinko S1245, S2145,
      b"\x10\x00\x00\x00\x01\x18\x00\x00", b"\x10\x00\x00\x00\x65\x18\x00\x00"), "shinko"),  # S6145, S6245
    ((b"\x03\x1bCHC\n",), "kodak-6800"),
    ((b"\x0f\x00\x00\x40" + bytes(10) + b"\x01\x00",), "canon-selphy"),
    ((b"PGHD",), "kodak-1400"),
    ((b"\x01\x40\x0a\x00\x01", b"\x01\x40\x12\x00\x01"), "kodak-605"),
    ((b"\x1bW .", b"\x1bW!."), "mitsubishi"),
    ((b"\x1bEWU\x00\x00\x00\x00",), "mitsubishi-d70"),
    ((b"\x60\xff\xff\xff\xf8\xff\xff\xff", b"\x98\xff\xff\xff\xff\xff\xff\xff",    # Sony UP-CR10L, UP-DP10,
      b"\x9c\xff\xff\xff\x97\xff\xff\xff"), "sony"),                                   # UP-D895
)


def _pdf(head: bytes) -> str | None:
    if head.startswith(b"%PDF-"):
        return "pclm" if b"%PCLm" in head[:64] else "pdf"
    return None


def _pclxl(head: bytes) -> str | None:
    return "pclxl" if head[1:12] == b" HP-PCL XL;" and head[:1] in b"()'" else None


def _magic(head: bytes) -> str | None:
    for prefixes, language in _MAGIC:
        if head.startswith(prefixes):
            return language
    return "pnm" if _PNM.match(head) else None


def _escape_languages(head: bytes) -> str | None:
    """The languages that open with ESC: the order matters, PCL 5 is the widest and comes last."""
    if head.startswith(b"\x1b*rbC\x1b*t") and b"\x1b\\" in head[:64]:
        return "escp2"  # Ghostscript's escp device opens with these two PCL-like commands
    if head.startswith(b"\x1bS\x1b\x1bS\x1c") or head[:1] == b"\x1d":
        return "escpage"  # ESC/Page mode switch, or a GS command first
    if head.startswith(b"\x1b@") and b"\x1b(R\x06\x00\x00ESCPR" in head:
        return "escpr"  # ESC/P-R: ESC/P2's reset and remote mode, then its own mode switch
    if head.startswith((b"\x1b@", b"\r\x1b@", b"\n\x1b@")):
        return "escp2"
    if _PCL5_START.match(head) or _PCL5_RESET.match(head):
        return "pcl5"
    return None


def _hpgl(head: bytes) -> str | None:
    return "hpgl" if _HPGL.match(head) else None


def sniff(head: bytes) -> str | None:
    """The language whose magic ``head`` (the payload's first bytes) starts with."""
    for check in (_pdf, _magic, _pclxl, _escape_languages, _hpgl):
        language = check(head)
        if language:
            return language
    return None


def language_of_pjl(name: str) -> str | None:
    return LANGUAGES.get(name.upper())


def describe(head: bytes) -> str:
    """A short printable hint of unknown leading bytes for error messages."""
    text = head[:16]
    if all(32 <= b < 127 for b in text):
        return repr(text.decode("ascii"))
    return text.hex(" ")
