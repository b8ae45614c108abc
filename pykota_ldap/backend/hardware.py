"""hardware(snmp...), hardware(pjl...), hardware(command): the printer's life page counter
before and after the job (backend/accounters.py makes the reader of the last two).

The whole job holds an exclusive lock per device (like PyKota), so two queues on one printer
cannot mix their counters; the lock lives in a directory only root may write (places.lock_dir),
never where a local user could take it first. Settings (per printer): noprintingmaxdelay (s, default 60),
statusstabilizationdelay (s, default 0.5) x statusstabilizationloops (default 4) = the time the
printer must stay idle with a still counter, snmpmaxwait (s, default 600: the longest wait for
that), snmperrormask, snmptimeout (s, default 1).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import cupsio
from .jobinfo import JobInfo, uri_host
from .places import hold, lock_dir

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..accounting.accounter import Accounter
    from ..accounting.snmp import PrinterSNMP
    from ..config import Config


class CounterUnreadable(Exception):
    """The printer's counter cannot be read before the job and onaccountererror is stop."""


@dataclass(frozen=True)
class _Settings:
    settle: float
    no_printing_max: float
    max_wait: float
    timeout: float
    mask: int


def _settings(config: Config, printer: str) -> _Settings:
    settle = (config.get_float("statusstabilizationdelay", 0.5, printer, minimum=0.05)
              * config.get_int("statusstabilizationloops", 4, printer, minimum=1))
    try:
        mask = int(config.get("snmperrormask", "0x4FCC", printer), 0)
    except ValueError:
        mask = 0x4FCC
    return _Settings(settle=settle, no_printing_max=config.get_float("noprintingmaxdelay", 60.0, printer, minimum=0),
                     max_wait=config.get_float("snmpmaxwait", 600.0, printer, minimum=1),
                     timeout=config.get_float("snmptimeout", 1.0, printer, minimum=0.1), mask=mask)


@dataclass
class LifeCounter:
    """The counter around one job; the device stays locked until close()."""

    snmp: PrinterSNMP
    lock: int                        # the device lock's descriptor
    settings: _Settings
    before: int | None               # None: unreadable before the job

    def after(self, job: JobInfo, expected: int) -> int | None:
        """The counter once the job is out of the printer; None when it cannot be read."""
        from ..accounting.snmp import SNMPError
        if self.before is None:
            return None
        s = self.settings
        try:
            after = self.snmp.counter_after(self.before, expected, s.no_printing_max, s.settle, s.max_wait,
                                            cupsio.debug).counter
        except SNMPError as exc:
            cupsio.warning(f"page counter unreadable after job {job.job_id}: {exc}; charged its software count")
            return None
        cupsio.debug(f"printer counter after job {job.job_id}: {after}")
        return after

    def close(self) -> None:
        self.snmp.close()
        os.close(self.lock)


def open_counter(config: Config, job: JobInfo, accounter: Accounter,
                 first: Callable[[], None] | None = None) -> LifeCounter:
    """Lock the device, then (after `first`: an uncharged banner) read its counter before the job
    (at once when the printer is idle)."""
    from ..accounting.snmp import SNMPError
    from .accounters import device
    host = accounter.host or uri_host(job.uri) or "127.0.0.1"
    s = _settings(config, job.printer)
    lock = hold(lock_dir() / ("device-" + re.sub(r"[^A-Za-z0-9.-]", "_", f"{host}:{accounter.port}") + ".lck"))
    assert lock is not None, "a waiting hold returns the lock"
    counter = LifeCounter(device(accounter, job, host, s.timeout, s.max_wait, s.mask), lock, s,  # type: ignore[arg-type]
                          None)
    try:
        if first is not None:
            first()
        if config.get_bool("skipinitialwait", True, job.printer) or not hasattr(counter.snmp, "wait_idle"):
            counter.before = counter.snmp.counter_before(s.settle, s.max_wait, cupsio.debug).counter
        else:                               # PyKota's default: idle and still for the whole settle time first
            counter.before = counter.snmp.wait_idle(s.settle, s.max_wait, cupsio.debug).counter
    except SNMPError as exc:
        if config.get_choice("onaccountererror", ("stop", "continue"), "stop", job.printer) == "stop":
            counter.close()
            raise CounterUnreadable(f"page counter of {host} unreadable before job {job.job_id}: {exc}") from None
        cupsio.warning(f"page counter of {host} unreadable before the job: {exc}; the job is charged its "
                       "software count (onaccountererror: continue)")
    except BaseException:                 # a cancel while waiting for the printer to be idle
        counter.close()
        raise
    cupsio.debug(f"printer counter before job {job.job_id}: {counter.before}")
    return counter
