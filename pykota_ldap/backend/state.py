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
    """The job's phase, whether cupsd cancelled it, and how to stop the real backend.

    A plain class, not a dataclass: importing `dataclasses` would cost the hand-over path (the
    backend process that only passes its job to the resident helper) several milliseconds."""

    def __init__(self) -> None:
        self.phase = Phase.BEFORE_PRINTING
        self.cancelled = False                                # SIGTERM received
        self.stop_backend: Callable[[], None] | None = None   # set while the real backend runs

    def on_sigterm(self, signum: int, frame: object) -> None:
        self.cancelled = True
        if self.phase is Phase.BEFORE_PRINTING:
            raise Cancelled()
        if self.phase is Phase.PRINTING and self.stop_backend is not None:
            self.stop_backend()


def socket_path(environ: Mapping[str, str] = os.environ) -> str:
    """The resident helper's socket: $PYKOTA_BACKEND_SOCKET, else $PYKOTA_HOME/cupspykota.sock,
    else /run/pykota/cupspykota.sock."""
    if environ.get("PYKOTA_BACKEND_SOCKET"):
        return environ["PYKOTA_BACKEND_SOCKET"]
    if environ.get("PYKOTA_HOME"):
        return os.path.join(environ["PYKOTA_HOME"], "cupspykota.sock")
    return "/run/pykota/cupspykota.sock"
