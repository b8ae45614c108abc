"""What one job's run shares with its SIGTERM handler, and where the resident helper listens.

Imports nothing of the backend and nothing slow: the backend process that only hands its job
over to the resident helper loads it too.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from enum import Enum


class Cancelled(Exception):
    """SIGTERM (the job was cancelled) before anything reached the printer."""


class Retry(Exception):
    """The directory did not answer in time: CUPS is to run the job again."""


class Orphaned(Exception):
    """The cupsd that started the job is gone: a new one runs the job again, so this run must
    not print."""


class Phase(Enum):
    """How far the job went; it only moves forward, and it says what a cancel (SIGTERM) does:

    BEFORE_PRINTING  nothing was sent to the printer: the job ends at once (Cancelled);
    PRINTING         the real backend runs, or ran and may be run again: it is stopped, no retry
                     follows, and the job is recorded as it ended;
    PRINTED          the real backend is done: nothing changes, the pages that went out are charged.
    """

    BEFORE_PRINTING = "before printing"
    PRINTING = "printing"
    PRINTED = "printed"


class JobState:
    """The job's phase, whether cupsd cancelled it, how to stop the real backend, and which
    cupsd the job belongs to.

    A plain class, not a dataclass: importing `dataclasses` would cost the hand-over path (the
    backend process that only passes its job to the resident helper) several milliseconds."""

    def __init__(self, cupsd: tuple[int, int] | None = None) -> None:
        """cupsd: (the backend process cupsd started, cupsd's pid), given by the resident helper
        for a job handed over to it; by default this process and its parent."""
        self.phase = Phase.BEFORE_PRINTING
        self.cancelled = False                                # SIGTERM received
        self.stop_backend: Callable[[], None] | None = None   # set while the real backend runs
        self.finishing = False                                # writing the records of a job that stopped
        self.backend_pid, self.cupsd_pid = cupsd or (os.getpid(), os.getppid())

    def on_sigterm(self, signum: int, frame: object) -> None:
        if self.cancelled or self.finishing:
            self.cancelled = True
            return                        # the job is ending already: let it finish its records
        self.cancelled = True
        if self.phase is Phase.BEFORE_PRINTING:
            raise Cancelled()
        if self.phase is Phase.PRINTING and self.stop_backend is not None:
            self.stop_backend()

    def cupsd_gone(self) -> bool:
        """The backend process is no longer cupsd's child: cupsd died (its orphans go to init or
        a subreaper), or the process itself is gone."""
        parent = os.getppid() if self.backend_pid == os.getpid() else _parent_of(self.backend_pid)
        return parent != self.cupsd_pid or (parent == 1 and not _is_cupsd(1))


def _parent_of(pid: int) -> int:
    """A process's parent from /proc (-1 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return -1
    return -1 if fields[0] == b"Z" else int(fields[1])


def _is_cupsd(pid: int) -> bool:
    """cupsd itself may be PID 1 (in a container)."""
    try:
        with open(f"/proc/{pid}/comm", "rb") as comm:
            return comm.read().strip() == b"cupsd"
    except OSError:
        return False


def socket_path(environ: Mapping[str, str] = os.environ) -> str:
    """The resident helper's socket: $PYKOTA_BACKEND_SOCKET, else $PYKOTA_HOME/cupspykota.sock,
    else /run/pykota/cupspykota.sock."""
    if environ.get("PYKOTA_BACKEND_SOCKET"):
        return environ["PYKOTA_BACKEND_SOCKET"]
    if environ.get("PYKOTA_HOME"):
        return os.path.join(environ["PYKOTA_HOME"], "cupspykota.sock")
    return "/run/pykota/cupspykota.sock"
