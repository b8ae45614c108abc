"""What the integrity tests share: waiting for something a server does, a slow printer, the
backend processes cupsd runs, cupsd killed and started again on the same spool."""
from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from pykota_ldap.directory import accounts, printers, quotas
from pykota_ldap.testing.cups import Cupsd
from pykota_ldap.testing.printer import NetworkPrinter

T = TypeVar("T")


def wait_for(predicate: Callable[[], T], timeout: float = 15.0, what: str = "the condition") -> T:
    """predicate()'s first true value, polled; AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@contextmanager
def slow_printer(seconds_per_page: float = 1.0) -> Iterator[NetworkPrinter]:
    """A printer that takes its time after receiving the data, the connection held open meanwhile."""
    printer = NetworkPrinter(seconds_per_page=seconds_per_page).start()
    try:
        yield printer
    finally:
        printer.stop()


def received_all(printer: NetworkPrinter) -> bool:
    """The last job's data has all reached the printer (which is now printing it)."""
    return bool(printer.jobs) and "received" in printer.jobs[-1]


def managed(rig, queue: str, user: str = "alice", hard: int | None = 100) -> None:
    printers.add_printer(rig.d, queue)
    accounts.attach_user(rig.d, user)
    quotas.add_user_quota(rig.d, user, queue, hard=hard)


def cancel(rig, job_id: int) -> None:
    rig.cups.run("cancel", "-h", rig.cups.host, str(job_id))


def history(rig, queue: str) -> list[tuple[str, str]]:
    """(action, pages) of the queue's history entries."""
    return sorted((j["pkAction"], j.get("pkJobSize", "")) for j in rig.jobs(queue))


def backend_pids(cups: Cupsd) -> list[int]:
    """The cupspykota processes cupsd runs now (its children)."""
    children = subprocess.run(["pgrep", "-P", str(cups.process.pid)], capture_output=True, text=True).stdout.split()
    found = []
    for pid in children:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                if b"cupspykota" in cmdline.read():
                    found.append(int(pid))
        except OSError:
            pass
    return found


def kill_cupsd(cups: Cupsd) -> None:
    """cupsd dies at once (as in a crash): its backends live on, orphaned."""
    cups.kill()


def start_cupsd_again(cups: Cupsd) -> None:
    """The same cupsd (configuration and spool) started again, as systemd would after a crash."""
    cups.launch()


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
