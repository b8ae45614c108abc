"""The printer's page counter and status over PJL (hardware(pjl)), on its JetDirect port.

Each reading is one short TCP connection to the printer's raw port (the same port the socket
backend sends jobs to): `@PJL INFO STATUS` and `@PJL INFO PAGECOUNT` inside a Universal Exit
Language pair, the writing side closed, then the printer's answers (each ends with a form feed)
read until both are in or the timeout passes. The answer's CODE= says idle or printing (PJL
Technical Reference, status codes): 10000, 10001, 35078, 40000 idle (ready, power save,
standby); 10023 printing, 10003 warming up; anything else (paper out, jam, offline...) is
neither, so the waits of accounting/snmp.py keep waiting through it. The waiting itself
(idle and still before, printing then idle and still after) is the SNMP reader's, reused.
"""
from __future__ import annotations

import re
import socket
import time

from .snmp import PrinterSNMP, Reading, SNMPError

UEL = b"\x1b%-12345X"
QUERY = UEL + b"@PJL\r\n@PJL INFO STATUS\r\n@PJL INFO PAGECOUNT\r\n" + UEL
IDLE_CODES = {10000, 10001, 35078, 40000}
PRINTING_CODES = {10023, 10003}
MAX_ANSWER = 64 * 1024                  # two status lines: more is not a PJL answer (read no further)
# At most 15 digits: a counter of thousands of digits is garbage (and int() refuses more than 4300)
_CODE = re.compile(rb"CODE\s*=\s*(\d{1,15})(?!\d)")
_PAGECOUNT = re.compile(rb"@PJL INFO PAGECOUNT\s*\r?\n\s*(?:PAGECOUNT\s*=\s*)?(\d{1,15})(?!\d)", re.I)


class PJLError(SNMPError):
    """The printer did not answer in PJL (an SNMPError: the shared waits retry on it)."""


def parse_answer(data: bytes) -> Reading:
    """The counter and status in a printer's answers; None where one is missing."""
    code = _CODE.search(data)
    count = _PAGECOUNT.search(data)
    status = None
    if code:
        value = int(code.group(1))
        status = 3 if value in IDLE_CODES else 4 if value in PRINTING_CODES else 2
    return Reading(int(count.group(1)) if count else None, status, 2)


class PrinterPJL(PrinterSNMP):
    """PrinterSNMP's waits over PJL readings."""

    def __init__(self, host: str, port: int = 9100, timeout: float = 2.0):
        super().__init__(host, port, timeout=timeout, error_mask=0)

    def close(self) -> None:
        super().close()                       # no connection is kept between readings: only the unused loop

    def read(self) -> Reading:
        deadline = time.monotonic() + self.timeout
        answer = b""
        try:
            with socket.create_connection((self.host, self.port), timeout=self.timeout) as conn:
                conn.sendall(QUERY)
                conn.shutdown(socket.SHUT_WR)
                while answer.count(b"\x0c") < 2 and len(answer) < MAX_ANSWER and time.monotonic() < deadline:
                    conn.settimeout(max(0.05, deadline - time.monotonic()))
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    answer += chunk
        except OSError as exc:
            if not answer:
                raise PJLError(f"{self.host}:{self.port}: {exc}") from None
        reading = parse_answer(answer)
        if reading.counter is None or reading.printer_status is None:
            raise PJLError(f"{self.host}:{self.port}: no PJL page counter and status in the answer")
        return reading
