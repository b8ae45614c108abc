"""Run a library call that Python cannot interrupt in a forked child, so the
deadline can be enforced by killing it (qpdf inside pikepdf on big PDFs)."""

from __future__ import annotations

import os
import pickle
import select
import signal
import time

from .deadline import Deadline
from .errors import PDLError

MAX_REPLY = 1 << 16


def run_isolated(function, deadline: Deadline, what: str):
    """Return ``function()`` computed in a child process; PDLError passes through."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: compute, report, leave without running any cleanup
        os.close(read_end)
        try:
            reply = ("ok", function())
        except PDLError as exc:
            reply = ("error", str(exc))
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            reply = ("error", f"cannot count this job: {type(exc).__name__}: {exc}")
        try:
            os.write(write_end, pickle.dumps(reply)[:MAX_REPLY])
        finally:
            os._exit(0)
    os.close(write_end)
    try:
        data = _read_reply(read_end, deadline)
    finally:
        os.close(read_end)
        _reap(pid, kill=True)
    if data is None:
        raise PDLError(f"{what} did not finish within {deadline.seconds:g} s")
    try:
        kind, value = pickle.loads(data)
    except Exception:  # noqa: BLE001 - a child that died mid-write
        raise PDLError(f"{what} failed (the worker process died)") from None
    if kind == "error":
        raise PDLError(value)
    return value


def _read_reply(fd: int, deadline: Deadline) -> bytes | None:
    chunks = []
    while True:
        remaining = deadline.remaining()
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            return None
        chunk = os.read(fd, MAX_REPLY)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _reap(pid: int, kill: bool) -> None:
    if kill:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for _ in range(100):
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return
        if done:
            return
        time.sleep(0.01)
