"""Printers and counter commands that answer garbage: endless answers, numbers of thousands of
digits, truncated IPP, negative counts. Each is a real TCP peer (or a real command) on this
machine; the readers must give their own error (an accounter error, onaccountererror decides),
never a traceback, never read without bound, never a negative count."""
from __future__ import annotations

import socket
import struct
import threading
import time

import pytest

from pykota_ldap.accounting.ipp import IPPError, PrinterIPP
from pykota_ldap.accounting.pjlstatus import PJLError, PrinterPJL


class Peer:
    """A TCP server answering every connection with `answer(conn)`; counts the bytes it got out."""

    def __init__(self, answer):
        self.answer, self.sent = answer, 0
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                try:
                    self.answer(self, conn)
                except OSError:
                    pass

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def peer():
    made: list[Peer] = []

    def make(answer):
        made.append(Peer(answer))
        return made[-1]
    yield make
    for p in made:
        p.close()


def _endless(peer: Peer, conn: socket.socket) -> None:
    chunk = b"@PJL INFO STATUS\r\n" + b"A" * 65536
    for _ in range(4000):                       # 256 MB, never a form feed
        conn.sendall(chunk)
        peer.sent += len(chunk)


def test_a_pjl_answer_that_never_ends_is_read_to_a_bound(peer):
    printer = peer(_endless)
    started = time.monotonic()
    with pytest.raises(PJLError):
        PrinterPJL("127.0.0.1", printer.port, timeout=5.0).read()
    assert time.monotonic() - started < 4.0
    time.sleep(0.3)
    assert printer.sent < 16 << 20              # the reader hung up long before (kernel buffers aside)


def _digits(peer: Peer, conn: socket.socket) -> None:
    conn.recv(4096)
    conn.sendall(b"@PJL INFO STATUS\r\nCODE=10001\r\n\x0c@PJL INFO PAGECOUNT\r\nPAGECOUNT=" + b"9" * 5000 + b"\r\n\x0c")


def test_a_page_counter_of_thousands_of_digits_is_an_accounter_error(peer):
    printer = peer(_digits)
    with pytest.raises(PJLError):
        PrinterPJL("127.0.0.1", printer.port, timeout=2.0).read()


def _http(body: bytes):
    def answer(peer: Peer, conn: socket.socket) -> None:
        conn.settimeout(2)
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/ipp\r\nContent-Length: %d\r\n\r\n" % len(body)
                     + body)
    return answer


def _job(job_id: int, impressions: int) -> bytes:
    def integer(name: str, value: int) -> bytes:
        return struct.pack(">BH", 0x21, len(name)) + name.encode() + struct.pack(">Hi", 4, value)
    state = struct.pack(">BH", 0x23, 9) + b"job-state" + struct.pack(">Hi", 4, 9)
    return b"\x02" + integer("job-id", job_id) + state + integer("job-impressions-completed", impressions)


def test_a_truncated_ipp_answer_is_an_accounter_error(peer):
    printer = peer(_http(b"\x01\x01\x00\x00\x00\x00\x00\x01\x01\x47\x00\x12attri"))
    with pytest.raises(IPPError):
        PrinterIPP(f"ipp://127.0.0.1:{printer.port}/ipp/print", timeout=2.0).jobs(["job-id"])


def test_a_negative_impression_count_is_not_a_negative_charge(peer):
    printer = peer(_http(b"\x01\x01\x00\x00\x00\x00\x00\x01" + _job(7, -1_000_000) + b"\x03"))
    reader = PrinterIPP(f"ipp://127.0.0.1:{printer.port}/ipp/print", timeout=2.0)
    reader.baseline = 6
    counted = reader.counter_after(0, 1, 1.0, 0.1, 2.0).counter
    assert counted is None or counted >= 0


def test_an_ipp_answer_of_gigabytes_is_not_read_whole(peer):
    def huge(peer: Peer, conn: socket.socket) -> None:
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/ipp\r\nContent-Length: 4000000000\r\n\r\n")
        chunk = b"\x00" * 65536
        for _ in range(4000):
            conn.sendall(chunk)
            peer.sent += len(chunk)
    printer = peer(huge)
    with pytest.raises(IPPError):
        PrinterIPP(f"ipp://127.0.0.1:{printer.port}/ipp/print", timeout=5.0).jobs(["job-id"])
    time.sleep(0.3)
    assert printer.sent < 32 << 20


def test_an_ipp_printer_trickling_its_answer_is_cut_off(peer):
    def trickle(peer: Peer, conn: socket.socket) -> None:
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/ipp\r\nContent-Length: 1000\r\n\r\n")
        for _ in range(1000):                  # a byte every half second: each read is within the timeout
            conn.sendall(b"\x00")
            time.sleep(0.5)
    printer = peer(trickle)
    started = time.monotonic()
    with pytest.raises(IPPError):
        PrinterIPP(f"ipp://127.0.0.1:{printer.port}/ipp/print", timeout=2.0).jobs(["job-id"])
    assert time.monotonic() - started < 5.0


def test_a_counter_command_printing_a_superscript_digit_is_an_accounter_error(tmp_path):
    from pykota_ldap.backend.accounters import CounterCommandError, run_count
    from pykota_ldap.backend.jobinfo import JobInfo
    job = JobInfo("1", "bob", "bob", "t", 1, "", {}, None, "hp", "socket://127.0.0.1", "socket://127.0.0.1")
    script = tmp_path / "count"
    script.write_text("#!/bin/sh\nprintf '\\302\\262\\n'\n")
    script.chmod(0o755)
    with pytest.raises(CounterCommandError):
        run_count(str(script), job, 5.0)
