"""What CUPS still says about a job: its printer-state-message, where cupspykota wrote why it
refused the job ("job 12 of bob refused: hard limit of 5 pages reached (5 used)"), for as long
as CUPS keeps the job in its history (PreserveJobHistory, MaxJobs).

The directory keeps a refused job's verdict, not its reason; pkweb's "why was job N refused"
shows this message when CUPS has it. One IPP Get-Job-Attributes request (RFC 8011) over HTTP, to
$CUPS_SERVER (a socket path or host[:port], as for every CUPS client), else cupsd's socket, else
localhost:631. Any failure is "CUPS does not say" (None): the page then shows what it can. The
request is made as the job's owner in the history and the answer kept only when CUPS's job of
that id is theirs: ids start again when CUPS loses its spool, and a user must never read what
CUPS told someone else.

The backend asks the same way for when cupsd created a job (exam sessions, pykota_ldap/exam.py).
"""
from __future__ import annotations

import http.client
import os
import socket
import struct
import urllib.parse
from datetime import datetime, timezone

GET_JOB_ATTRIBUTES = 0x0009
TAG_OPERATION, TAG_END = 0x01, 0x03
TAG_INTEGER, TAG_URI, TAG_CHARSET, TAG_LANGUAGE, TAG_KEYWORD, TAG_NAME = 0x21, 0x45, 0x47, 0x48, 0x44, 0x42
DEFAULT_SOCKET = "/run/cups/cups.sock"
WANTED = "job-printer-state-message"
OWNER = "job-originating-user-name"
CREATED = "time-at-creation"


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float):
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


def _attribute(tag: int, name: str, value: bytes) -> bytes:
    encoded = name.encode()
    return struct.pack("!BH", tag, len(encoded)) + encoded + struct.pack("!H", len(value)) + value


def request(queue: str, job_id: int, owner: str | None = None, wanted: tuple[str, ...] = (WANTED, OWNER)) -> bytes:
    """Get-Job-Attributes; as `owner`, who alone is told the job's owner (CUPS's stock
    JobPrivateValues hide it from anyone else)."""
    uri = f"ipp://localhost/printers/{urllib.parse.quote(queue, safe='')}"
    asking = _attribute(TAG_NAME, "requesting-user-name", owner.encode()) if owner else b""
    return (struct.pack("!BBHI", 2, 0, GET_JOB_ATTRIBUTES, 1) + bytes([TAG_OPERATION])
            + _attribute(TAG_CHARSET, "attributes-charset", b"utf-8")
            + _attribute(TAG_LANGUAGE, "attributes-natural-language", b"en")
            + _attribute(TAG_URI, "printer-uri", uri.encode())
            + _attribute(TAG_INTEGER, "job-id", struct.pack("!i", job_id)) + asking
            + _attribute(TAG_KEYWORD, "requested-attributes", wanted[0].encode())
            + b"".join(_attribute(TAG_KEYWORD, "", name.encode()) for name in wanted[1:])   # further values
            + bytes([TAG_END]))


def attributes(answer: bytes) -> tuple[int, dict[str, bytes]]:
    """(status code, {name: first value}) of an IPP response."""
    status = struct.unpack("!H", answer[2:4])[0]
    found: dict[str, bytes] = {}
    pos, name = 8, ""
    while pos < len(answer):
        tag = answer[pos]
        pos += 1
        if tag == TAG_END:
            break
        if tag < 0x10:                  # a group's delimiter
            continue
        name_length = struct.unpack("!H", answer[pos:pos + 2])[0]
        name = answer[pos + 2:pos + 2 + name_length].decode("utf-8", "replace") or name
        pos += 2 + name_length
        value_length = struct.unpack("!H", answer[pos:pos + 2])[0]
        found.setdefault(name, answer[pos + 2:pos + 2 + value_length])
        pos += 2 + value_length
    return status, found


def _connection(server: str, timeout: float) -> http.client.HTTPConnection:
    if server.startswith("/"):
        return _UnixConnection(server, timeout)
    host, _, port = server.partition(":")
    return http.client.HTTPConnection(host, int(port) if port.isdigit() else 631, timeout=timeout)


def _ask(queue: str, job_id: int, owner: str | None, server: str | None, timeout: float,
         wanted: tuple[str, ...]) -> dict[str, bytes] | None:
    """The attributes CUPS gives for the job, or None when it does not answer them."""
    server = server or os.environ.get("CUPS_SERVER") or (DEFAULT_SOCKET if os.path.exists(DEFAULT_SOCKET)
                                                         else "localhost:631")
    try:
        conn = _connection(server, timeout)
        try:
            conn.request("POST", f"/printers/{urllib.parse.quote(queue, safe='')}",
                         body=request(queue, job_id, owner, wanted), headers={"Content-Type": "application/ipp"})
            answer = conn.getresponse()
            body = answer.read(1 << 20)
        finally:
            conn.close()
        if answer.status != 200 or len(body) < 8:
            return None
        status, found = attributes(body)
    except (OSError, http.client.HTTPException, struct.error, ValueError):
        return None
    return found if status < 0x0100 else None          # 0x0000-0x00ff: successful


def job_created(queue: str, job_id: int, server: str | None = None, timeout: float = 3.0) -> datetime | None:
    """When cupsd created the job (its time-at-creation, which a client cannot set), or None
    when cupsd does not say."""
    found = _ask(queue, job_id, None, server, timeout, (CREATED,))
    if found is None or len(found.get(CREATED, b"")) != 4:
        return None
    return datetime.fromtimestamp(struct.unpack("!i", found[CREATED])[0], timezone.utc)


def job_message(queue: str, job_id: int, owner: str | None = None, server: str | None = None,
                timeout: float = 3.0) -> str | None:
    """The job's printer-state-message, or None when CUPS does not say (gone, unreachable) or
    when CUPS's job of that id is not `owner`'s (ids start again when CUPS loses its spool)."""
    found = _ask(queue, job_id, owner, server, timeout, (WANTED, OWNER))
    if found is None or WANTED not in found:
        return None
    if owner is not None and found.get(OWNER, b"").decode("utf-8", "replace").lower() != owner.lower():
        return None
    return found[WANTED].decode("utf-8", "replace").strip() or None
