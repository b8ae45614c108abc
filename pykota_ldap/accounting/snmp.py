"""Printer-MIB page counter over SNMP (pysnmp 7, asyncio), with adaptive waiting.

One GET reads four values: prtMarkerLifeCount, hrPrinterStatus, hrDeviceStatus and
hrPrinterDetectedErrorState. PyKota waited a fixed 5 x 4 s for the printer to settle after every
job; here polling starts fast (0.1 s) and backs off, and the wait ends as soon as the printer is
idle and its counter has not moved for `settle` seconds, or at once when the counter already
shows the pages we expect and the printer is idle.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

LIFE_COUNT = "1.3.6.1.2.1.43.10.2.1.4.1.1"
PRINTER_STATUS = "1.3.6.1.2.1.25.3.5.1.1.1"     # 1 other 2 unknown 3 idle 4 printing 5 warmup
DEVICE_STATUS = "1.3.6.1.2.1.25.3.2.1.5.1"      # 1 unknown 2 running 3 warning 4 testing 5 down
ERROR_STATE = "1.3.6.1.2.1.25.3.5.1.2.1"
DEFAULT_ERROR_MASK = 0x4FCC                    # no paper, door open, jammed, offline, ...


class SNMPError(Exception):
    """The printer did not answer, or answered nonsense."""


@dataclass
class Reading:
    counter: int | None
    printer_status: int | None
    device_status: int | None
    errors: int = 0

    def idle(self, mask: int = DEFAULT_ERROR_MASK) -> bool:
        if self.errors & mask:
            return False
        if self.printer_status == 3:
            return True
        return self.printer_status == 1 and self.device_status in (2, 3)

    @property
    def printing(self) -> bool:
        return self.printer_status in (4, 5)


def _error_bits(value) -> int:
    try:
        octets = bytes(value.asOctets())
    except AttributeError:
        return 0
    return int.from_bytes(octets[:2].ljust(2, b"\0"), "big") if octets else 0


class PrinterSNMP:
    """A manager for one printer; every call is synchronous (its own short event loop)."""

    def __init__(self, host: str, port: int = 161, community: str = "public", timeout: float = 1.0,
                 retries: int = 1, error_mask: int = DEFAULT_ERROR_MASK):
        self.host, self.port, self.community = host, port, community
        self.timeout, self.retries, self.error_mask = timeout, retries, error_mask
        import asyncio  # here, not at the top: the backend imports this module for every job
        self._loop = asyncio.new_event_loop()
        self._engine = None
        self._target = None

    def close(self) -> None:
        if self._engine is not None:
            try:
                self._engine.close_dispatcher()
            except Exception:  # noqa: BLE001
                pass
            self._engine = None
        if not self._loop.is_closed():
            import asyncio
            tasks = asyncio.all_tasks(self._loop)
            for task in tasks:
                task.cancel()
            if tasks:
                self._loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            self._loop.close()

    async def _get(self) -> Reading:
        from pysnmp.hlapi.v3arch.asyncio import (
            CommunityData,
            ContextData,
            ObjectIdentity,
            ObjectType,
            SnmpEngine,
            UdpTransportTarget,
            get_cmd,
        )
        if self._engine is None:
            self._engine = SnmpEngine()
            self._target = await UdpTransportTarget.create((self.host, self.port), timeout=self.timeout,
                                                           retries=self.retries)
        error_indication, error_status, _, var_binds = await get_cmd(
            self._engine, CommunityData(self.community, mpModel=0), self._target, ContextData(),
            *(ObjectType(ObjectIdentity(oid)) for oid in (LIFE_COUNT, PRINTER_STATUS, DEVICE_STATUS, ERROR_STATE)))
        if error_indication:
            raise SNMPError(f"{self.host}:{self.port}: {error_indication}")
        if error_status:
            shown = error_status.prettyPrint() if hasattr(error_status, "prettyPrint") else error_status
            raise SNMPError(f"{self.host}:{self.port}: {shown}")
        values = [vb[1] for vb in var_binds]

        def number(value):
            try:
                return int(value)
            except (TypeError, ValueError):
                return None

        return Reading(number(values[0]), number(values[1]), number(values[2]), _error_bits(values[3]))

    def read(self) -> Reading:
        return self._loop.run_until_complete(self._get())

    # -- waiting -----------------------------------------------------------------------------
    def wait_idle(self, settle: float = 2.0, max_wait: float = 600.0, log=None) -> Reading:
        """Wait until the printer is idle and its counter still for `settle` seconds."""
        deadline = time.monotonic() + max_wait
        delay, last, still_since = 0.1, None, None
        while True:
            try:
                reading = self.read()
            except SNMPError as exc:
                if log:
                    log(f"SNMP: {exc}")
                reading = None
            now = time.monotonic()
            if reading and reading.counter is not None and reading.idle(self.error_mask):
                if last is not None and last.counter == reading.counter:
                    if still_since is not None and now - still_since >= settle:
                        return reading
                else:
                    still_since = now
                last = reading
            else:
                last, still_since = None, None
                if reading and reading.errors & self.error_mask:
                    delay = min(delay * 2, 30.0)    # a jam or no paper: wait, but not busily
            if now > deadline:
                if reading and reading.counter is not None:
                    return reading
                raise SNMPError(f"{self.host}: no stable idle reading in {max_wait:.0f} s")
            time.sleep(delay)
            delay = min(delay * 1.5, max(settle / 2, 0.1))

    def counter_before(self, settle: float, max_wait: float, log=None) -> Reading:
        """The counter before a job: at once when the printer is idle already."""
        try:
            reading = self.read()
            if reading.counter is not None and reading.idle(self.error_mask):
                return reading
        except SNMPError:
            pass
        return self.wait_idle(settle, max_wait, log)

    def counter_after(self, before: int, expected: int | None, no_printing_max: float, settle: float,
                      max_wait: float, log=None) -> Reading:
        """The counter once the job is out of the printer.

        First wait for a sign of printing (status printing, or the counter moving), at most
        `no_printing_max` seconds; then for stability. When the counter already shows `expected`
        more pages and the printer is idle twice in a row, stop at once."""
        start = time.monotonic()
        delay, previous = 0.1, None
        while time.monotonic() - start < no_printing_max:
            try:
                reading = self.read()
            except SNMPError as exc:
                if log:
                    log(f"SNMP: {exc}")
                time.sleep(delay)
                continue
            if reading.counter is not None and reading.idle(self.error_mask) and expected \
                    and reading.counter - before >= expected:
                if previous is not None and previous.counter == reading.counter:
                    return reading          # the pages we expect, idle twice: done
                previous = reading
                time.sleep(0.1)
                continue
            if reading.printing or (reading.counter is not None and reading.counter != before):
                break
            previous = reading
            time.sleep(delay)
            delay = min(delay * 1.5, 1.0)
        return self.wait_idle(settle, max_wait, log)
