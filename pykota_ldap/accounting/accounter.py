"""How many pages a job used: the `accounter` directive.

  software()                          the count made before printing (pdl page counter) [default]
  hardware(snmp[:community][@host[:port]])
                                      prtMarkerLifeCount before and after (accounting/snmp.py);
                                      host defaults to the device URI's, port to 161
  hardware(pjl[:port])                the printer's PJL page counter (INFO PAGECOUNT, INFO STATUS)
                                      before and after, over TCP to the device URI's host; port
                                      defaults to the socket:// URI's, else 9100 (accounting/pjlstatus.py)
  hardware(ipp)                       the IPP printer's own count of the job (job-impressions-completed),
                                      asked around the ipp backend's job (accounting/ipp.py)
  hardware(command)                   the counter printed by an admin command, before and after
                                      (%(printer)s: the device URI's host); run without a shell
  software(command)                   the page count printed by an admin command reading the job
                                      on its standard input; run without a shell
  ink(colorspace[, dpi])              the software count, each page priced by its ink coverage
                                      (accounting/pdl/ink.py) and the coefficient_* keys
  hardware(backend)                   the real backend's own `PAGE: total N` report: the ipp
                                      backend's from the printer's job-impressions-completed, the
                                      socket backend's SNMP count on PPD queues; the software
                                      count when it reports nothing (or 0)
"""
from __future__ import annotations

import re
from dataclasses import dataclass

FORMS = ("software(), software(command), hardware(snmp[:community][@host[:port]]), hardware(pjl[:port]), "
         "hardware(ipp), hardware(command), hardware(backend) or ink(colorspace[, dpi])")
_SPEC = re.compile(r"^\s*(software|hardware|ink)\s*\((.*)\)\s*$", re.I)
INK_COLORSPACES = ("bw", "gc", "rgb", "cmy", "cmyk")


class AccounterError(Exception):
    pass


@dataclass(frozen=True)
class Accounter:
    kind: str                       # software | snmp | backend | pjl | hardware-command | software-command
    community: str = "public"
    host: str | None = None
    port: int = 161                 # snmp; pjl: 0 = the device URI's port, else 9100
    command: str = ""               # hardware-command, software-command
    colorspace: str = ""            # ink: bw, gc, rgb, cmy or cmyk
    resolution: int = 72            # ink: dpi, 72 to 1200

    @property
    def reads_printer(self) -> bool:
        """Whether the printer is asked before and after the job."""
        return self.kind in ("snmp", "pjl", "hardware-command", "ipp")

    @property
    def life_counter(self) -> bool:
        """Whether what it reads is the printer's life counter (kept on the job and the printer)."""
        return self.kind in ("snmp", "pjl", "hardware-command")


def parse(value: str | None) -> Accounter:
    if not value:
        return Accounter("software")
    match = _SPEC.match(value)
    if not match:
        raise AccounterError(f"accounter: expected {FORMS}, got {value!r}")
    kind, argument = match.group(1).lower(), match.group(2).strip()
    if kind == "ink":
        return _ink(argument, value)
    if kind == "software":
        return Accounter("software-command", command=_command(argument, value)) if argument else Accounter("software")
    if argument.lower() == "backend":
        return Accounter("backend")
    if re.match(r"^snmp(\W|$)", argument, re.I):
        return _snmp(argument[4:], value)
    if re.match(r"^pjl(\W|$)", argument, re.I):
        return _pjl(argument[3:], value)
    if argument.lower() == "ipp":
        return Accounter("ipp")
    if argument.lower().startswith("ipp:"):
        raise AccounterError("accounter: hardware(ipp) takes no argument (it counts job-impressions-completed; "
                             "sheets, job-media-sheets-completed, are not counted)")
    if not argument:
        raise AccounterError("accounter: hardware() needs snmp, pjl, backend or a command")
    return Accounter("hardware-command", command=_command(argument, value))


def _command(text: str, value: str) -> str:
    """A command line, split like a shell would but never run by one."""
    import shlex
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise AccounterError(f"accounter: cannot read the command in {value!r} ({exc})") from None
    if not words:
        raise AccounterError(f"accounter: no command in {value!r}")
    if re.search(r"%\((?!printer\)s)", text):
        raise AccounterError(f"accounter: the only placeholder in {value!r} can be %(printer)s (the job's values "
                             "are in the command's PYKOTA* environment variables)")
    if any(ch in text for ch in "|;&<>`$"):
        raise AccounterError(f"accounter: the command in {value!r} is run without a shell: no pipes, "
                             "redirections or $variables (write a script)")
    return text


def _ink(argument: str, value: str) -> Accounter:
    """ink(colorspace[, dpi]): the pages counted by software, priced by their ink coverage."""
    colorspace, _, dpi = (part.strip().lower() for part in argument.partition(","))
    if colorspace not in INK_COLORSPACES:
        raise AccounterError(f"accounter: ink needs a colour space ({', '.join(INK_COLORSPACES)}), got {value!r}")
    try:
        resolution = int(dpi) if dpi else 72
    except ValueError:
        resolution = 0
    if not 72 <= resolution <= 1200:
        raise AccounterError(f"accounter: the ink resolution must be 72 to 1200 dpi, got {value!r}")
    return Accounter("ink", colorspace=colorspace, resolution=resolution)


def _pjl(rest: str, value: str) -> Accounter:
    """What follows hardware(pjl: `:port` or nothing (the device URI's port, else 9100)."""
    if not rest:
        return Accounter("pjl", port=0)
    try:
        port = int(rest[1:]) if rest.startswith(":") else -1
    except ValueError:
        port = -1
    if not 0 < port < 65536:
        raise AccounterError(f"accounter: expected hardware(pjl) or hardware(pjl:port), got {value!r}")
    return Accounter("pjl", port=port)


def _snmp(rest: str, value: str) -> Accounter:
    """What follows hardware(snmp: `:community@host:port`, `@host:port`, or nothing."""
    community, where = "public", ""
    if rest.startswith(":"):
        community, _, where = rest[1:].rpartition("@") if "@" in rest else (rest[1:], "", "")
        community = community or "public"
    elif rest.startswith("@"):
        where = rest[1:]
    elif rest:
        raise AccounterError(f"accounter: cannot read {value!r}")
    host, _, port_text = where.partition(":")
    try:
        port = int(port_text) if port_text else 161
    except ValueError:
        port = 0
    if not 0 < port < 65536:
        raise AccounterError(f"accounter: {port_text!r} is not a port number in {value!r}")
    return Accounter("snmp", community=community, host=host or None, port=port)
