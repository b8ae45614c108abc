"""Run a library call that Python cannot interrupt in a forked child, under
a time and a memory limit (qpdf inside pikepdf: a few hundred KB of
compressed objects can expand to gigabytes and minutes of parsing).

The child gets RLIMIT_AS (the address space it inherited plus ``memory``
bytes) and RLIMIT_CPU; the parent waits for its answer until the deadline
and kills it then.
"""

from __future__ import annotations

import math
import os
import pickle
import resource
import select
import signal

from .deadline import Deadline
from .errors import PDLError

MAX_REPLY = 1 << 16
MEMORY_LIMIT = 1 << 30  # bytes a count may allocate beyond what the process already maps


def run_isolated(function, deadline: Deadline, what: str, memory: int = MEMORY_LIMIT):
    """Return ``function()`` computed in a child process; PDLError passes through."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: compute, report, leave without running any cleanup
        os.close(read_end)
        limit = None
        try:
            limit = _limit_child(deadline, memory)
            reply = ("ok", function())
        except MemoryError:
            reply = ("error", f"{what} needs more than {memory >> 20} MiB of memory (limit)")
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            reply = ("error", str(exc) if isinstance(exc, PDLError)
                     else f"cannot count this job: {type(exc).__name__}: {exc}")
            # qpdf turns a failed allocation into "damaged file": say what
            # happened when the count got anywhere near its memory limit (a
            # failed doubling of a buffer leaves the peak at half of it).
            if limit is not None and _peak_bytes() >= limit - memory // 2:
                reply = ("error", f"{what} needs more than {memory >> 20} MiB of memory (limit)")
        try:
            os.write(write_end, pickle.dumps(reply)[:MAX_REPLY])
        finally:
            os._exit(0)
    os.close(write_end)
    try:
        data = _read_reply(read_end, deadline)
    finally:
        os.close(read_end)
        _reap(pid)
    if data is None:
        raise PDLError(f"{what} did not finish within {deadline.seconds:g} s (time limit)")
    try:
        kind, value = pickle.loads(data)
    except Exception:  # noqa: BLE001 - a child that died mid-write or was killed by a limit
        raise PDLError(f"{what} failed (the worker process died, probably at its memory or time limit)") from None
    if kind == "error":
        raise PDLError(value)
    return value


def _limit_child(deadline: Deadline, memory: int) -> int | None:
    """Apply the limits; return the address-space limit set (None if unknown)."""
    remaining = deadline.remaining()
    if remaining is not None:
        seconds = math.ceil(remaining) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    mapped = _status_bytes("VmSize")
    if mapped is None:
        return None
    limit = mapped + memory
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    return limit


def _peak_bytes() -> int:
    return _status_bytes("VmPeak") or 0


def _status_bytes(field: str) -> int | None:
    """A size from /proc/self/status (Linux), None if unknown."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _read_reply(fd: int, deadline: Deadline) -> bytes | None:
    chunks: list[bytes] = []
    while True:
        remaining = deadline.remaining()
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            return None
        chunk = os.read(fd, MAX_REPLY)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _reap(pid: int) -> None:
    """Kill the child (it may be stuck past its deadline) and collect it:
    SIGKILL ends it at once, so a blocking wait is short."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
