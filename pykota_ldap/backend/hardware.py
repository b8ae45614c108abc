"""hardware(snmp...): the printer's life page counter before and after the job.

The whole job holds an exclusive lock per device (like PyKota), so two queues on one printer
cannot mix their counters. Settings (per printer): noprintingmaxdelay (s, default 60),
statusstabilizationdelay (s, default 0.5) x statusstabilizationloops (default 4) = the time the
printer must stay idle with a still counter, snmperrormask, snmptimeout (s, default 1).
"""
from __future__ import annotations

import fcntl
import os
import re
import tempfile

from . import cupsio
from .jobinfo import uri_host


def _settings(config, printer):
    settle = (config.get_float("statusstabilizationdelay", 0.5, printer, minimum=0.05)
              * config.get_int("statusstabilizationloops", 4, printer, minimum=1))
    mask_text = config.get("snmperrormask", "0x4FCC", printer)
    try:
        mask = int(mask_text, 0)
    except ValueError:
        mask = 0x4FCC
    return dict(settle=settle, no_printing_max=config.get_float("noprintingmaxdelay", 60.0, printer, minimum=0),
                max_wait=config.get_float("snmpmaxwait", 600.0, printer, minimum=1),
                timeout=config.get_float("snmptimeout", 1.0, printer, minimum=0.1), mask=mask)


def open_counter(config, job, accounter):
    from ..accounting.snmp import PrinterSNMP, SNMPError
    host = accounter.host or uri_host(job.uri) or "127.0.0.1"
    s = _settings(config, job.printer)
    folder = config.get("directory", None, job.printer) or tempfile.gettempdir()
    lock_name = "cupspykota-" + re.sub(r"[/:?&@=]", ".", f"{host}:{accounter.port}") + ".lck"
    lock = open(os.path.join(folder, lock_name), "a")
    fcntl.flock(lock, fcntl.LOCK_EX)
    snmp = PrinterSNMP(host, accounter.port, accounter.community, timeout=s["timeout"], error_mask=s["mask"])
    try:
        before = snmp.counter_before(s["settle"], s["max_wait"], cupsio.debug).counter
    except SNMPError as exc:
        cupsio.warning(f"page counter of {host} unreadable before the job: {exc}")
        before = None
    cupsio.debug(f"printer counter before job {job.job_id}: {before}")
    return snmp, before, lock


def counter_after(config, job, snmp, before, expected):
    from ..accounting.snmp import SNMPError
    s = _settings(config, job.printer)
    if before is None:
        return None
    try:
        after = snmp.counter_after(before, expected, s["no_printing_max"], s["settle"], s["max_wait"],
                                   cupsio.debug).counter
    except SNMPError as exc:
        cupsio.warning(f"page counter unreadable after job {job.job_id}: {exc}")
        return None
    cupsio.debug(f"printer counter after job {job.job_id}: {after}")
    return after
