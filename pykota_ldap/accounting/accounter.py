"""How many pages a job used: the `accounter` directive.

  software()                          the count made before printing (pdl page counter) [default]
  hardware(snmp[:community][@host[:port]])
                                      prtMarkerLifeCount before and after (accounting/snmp.py);
                                      host defaults to the device URI's, port to 161
  hardware(backend)                   the real backend's own `PAGE: total N` report: the ipp
                                      backend's from the printer's job-impressions-completed, the
                                      socket backend's SNMP count on PPD queues; the software
                                      count when it reports nothing (or 0)
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_SPEC = re.compile(r"^\s*(software|hardware)\s*\((.*)\)\s*$", re.I)


class AccounterError(Exception):
    pass


@dataclass(frozen=True)
class Accounter:
    kind: str                       # software | snmp | backend
    community: str = "public"
    host: str | None = None
    port: int = 161


def parse(value: str | None) -> Accounter:
    if not value:
        return Accounter("software")
    match = _SPEC.match(value)
    if not match:
        raise AccounterError("accounter: expected software(), hardware(snmp[:community]) or hardware(backend), "
                             f"got {value!r}")
    kind, argument = match.group(1).lower(), match.group(2).strip()
    if kind == "software":
        if argument:
            raise AccounterError("accounter: software(command) is not supported; use software()")
        return Accounter("software")
    if argument.lower() == "backend":
        return Accounter("backend")
    if argument.lower().startswith("snmp"):
        return _snmp(argument[4:], value)
    raise AccounterError(f"accounter: hardware({argument}) is not supported; "
                         "use hardware(snmp[:community]) or hardware(backend)")


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
