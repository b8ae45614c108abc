"""The printer's own count of a job over IPP (hardware(ipp)), for ipp:// and ipps:// queues.

An IPP printer counts each job it printed: job-impressions-completed (sides printed, PyKota's
pages). job-media-sheets-completed (sheets of paper) is not used: ippeveprinter, the reference
printer the tests measure against, never reports it, so it could not be checked. Before the job we ask the printer for
its jobs (Get-Jobs, which-jobs=all) and keep the highest job-id; after the real ipp backend is
done (it waits for the printer to finish the job) we ask again and add up the count of every job
above that id, once they are all finished. The device lock held around the job (backend/hardware.py)
means those are this job's, sent by this server; jobs other computers send to the same printer
meanwhile would be counted too, as with any hardware counter.

A minimal IPP/1.1 client (RFC 8010 encoding, RFC 8011 Get-Jobs): no IPP library is needed for two
requests. ipps:// printers mostly have self-signed certificates: their certificate is not
verified (what is read is a count; nothing is sent but the request).
"""
from __future__ import annotations

import http.client
import socket
import ssl
import struct
import threading
import time
from urllib.parse import urlsplit

from .snmp import Reading, SNMPError

GET_JOBS = 0x000A
TERMINAL_STATES = (7, 8, 9)                 # canceled, aborted, completed
_TAGS = {"operation": 0x01, "job": 0x02, "end": 0x03}
MAX_ANSWER = 4 << 20                        # a Get-Jobs answer of the printer's history: more is garbage
_INTEGER, _ENUM, _KEYWORD, _URI, _CHARSET, _LANGUAGE, _NAME = 0x21, 0x23, 0x44, 0x45, 0x47, 0x48, 0x42


class IPPError(SNMPError):
    """The printer did not answer over IPP (an SNMPError: the hardware path treats every unreadable
    counter the same way)."""


def _attribute(tag: int, name: str, values: list[bytes]) -> bytes:
    out = b""
    for index, value in enumerate(values):
        label = name.encode() if index == 0 else b""
        out += struct.pack(">BH", tag, len(label)) + label + struct.pack(">H", len(value)) + value
    return out


def get_jobs_request(uri: str, attributes: list[str], request_id: int = 1) -> bytes:
    body = struct.pack(">BBHI", 1, 1, GET_JOBS, request_id) + bytes([_TAGS["operation"]])
    body += _attribute(_CHARSET, "attributes-charset", [b"utf-8"])
    body += _attribute(_LANGUAGE, "attributes-natural-language", [b"en"])
    body += _attribute(_URI, "printer-uri", [uri.encode()])
    body += _attribute(_NAME, "requesting-user-name", [b"pykota"])
    body += _attribute(_KEYWORD, "which-jobs", [b"all"])
    body += _attribute(_KEYWORD, "requested-attributes", [a.encode() for a in attributes])
    return body + bytes([_TAGS["end"]])


def parse_jobs(data: bytes) -> list[dict[str, int]]:
    """The integer and enum attributes of each job group of a Get-Jobs response."""
    try:
        return _parse_jobs(data)
    except struct.error:
        raise IPPError("truncated IPP response") from None


def _parse_jobs(data: bytes) -> list[dict[str, int]]:
    if len(data) < 9:
        raise IPPError("short IPP response")
    status = struct.unpack(">H", data[2:4])[0]
    if status >= 0x0100:
        raise IPPError(f"the printer refused Get-Jobs (status 0x{status:04x})")
    jobs: list[dict[str, int]] = []
    current: dict[str, int] | None = None
    position, name = 8, ""
    while position < len(data):
        tag = data[position]
        position += 1
        if tag == _TAGS["end"]:
            break
        if tag < 0x10:                            # a group begins
            current = {} if tag == _TAGS["job"] else None
            if current is not None:
                jobs.append(current)
            continue
        name_length = struct.unpack(">H", data[position:position + 2])[0]
        name = data[position + 2:position + 2 + name_length].decode("utf-8", "replace") or name
        position += 2 + name_length
        value_length = struct.unpack(">H", data[position:position + 2])[0]
        value = data[position + 2:position + 2 + value_length]
        position += 2 + value_length
        if current is not None and tag in (_INTEGER, _ENUM) and value_length == 4:
            current[name] = struct.unpack(">i", value)[0]
        elif position > len(data):
            raise struct.error("attribute past the end")
    return jobs


def _answer(conn: http.client.HTTPConnection, timeout: float) -> tuple[bytes, int]:
    """The response's body and status, read to MAX_ANSWER bytes within `timeout` seconds in all:
    a printer trickling a byte at a time is cut off (the socket is shut down under the reader)."""
    def cut() -> None:
        if conn.sock is not None:
            try:
                conn.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
    timer = threading.Timer(timeout, cut)
    timer.start()
    try:
        response = conn.getresponse()
        data = response.read(MAX_ANSWER + 1)
    finally:
        timer.cancel()
    if len(data) > MAX_ANSWER:
        raise IPPError(f"an answer of more than {MAX_ANSWER >> 20} MiB")
    return data, response.status


class PrinterIPP:
    """The counts of one printer's jobs (PrinterSNMP's interface: counter_before, counter_after)."""

    def __init__(self, uri: str, timeout: float = 5.0):
        self.uri, self.timeout = uri, timeout
        self.baseline = 0

    def close(self) -> None:
        pass

    def jobs(self, attributes: list[str]) -> list[dict[str, int]]:
        parts = urlsplit(self.uri)
        secure = parts.scheme == "ipps"
        port = parts.port or 631
        try:
            if secure:
                context = ssl.create_default_context()
                context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
                conn: http.client.HTTPConnection = http.client.HTTPSConnection(parts.hostname or "", port,
                                                                                timeout=self.timeout, context=context)
            else:
                conn = http.client.HTTPConnection(parts.hostname or "", port, timeout=self.timeout)
            try:
                ipp_uri = self.uri.replace("ipps://", "ipp://", 1)
                conn.request("POST", parts.path or "/", body=get_jobs_request(ipp_uri, attributes),
                             headers={"Content-Type": "application/ipp"})
                data, status = _answer(conn, self.timeout)
            finally:
                conn.close()
        except (OSError, http.client.HTTPException) as exc:
            raise IPPError(f"{parts.hostname}:{port}: {exc}") from None
        if status != 200:
            raise IPPError(f"{parts.hostname}:{port}: HTTP {status}")
        return parse_jobs(data)

    def counter_before(self, settle: float, max_wait: float, log: object = None) -> Reading:
        """The printer's newest job id; the count starts at 0."""
        self.baseline = max((job.get("job-id", 0) for job in self.jobs(["job-id"])), default=0)
        return Reading(0, 3, 2)

    def counter_after(self, before: int, expected: int | None, no_printing_max: float, settle: float,
                      max_wait: float, log: object = None) -> Reading:
        """The count of the jobs above the baseline, once they are all finished (at most max_wait s;
        no job at all after no_printing_max s); None when the printer counted nothing."""
        wanted = "job-impressions-completed"
        start = time.monotonic()
        while True:
            ours = [job for job in self.jobs(["job-id", "job-state", wanted]) if job.get("job-id", 0) > self.baseline]
            waited = time.monotonic() - start
            if (ours and all(job.get("job-state") in TERMINAL_STATES for job in ours)) or waited > max_wait \
                    or (not ours and waited > no_printing_max):
                counted = sum(max(0, job.get(wanted, 0)) for job in ours)     # a negative count is garbage
                return Reading(counted or None, 3, 2)        # None: the printer said nothing (software count)
            time.sleep(min(settle, 1.0))
