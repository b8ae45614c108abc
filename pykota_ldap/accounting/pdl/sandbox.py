"""Run an interpreter on a job with nothing else to read, write or keep.

Ghostscript's -dSAFER still lets a job read, list and write the temporary
directory (and, run as root, anything there), so every run also gets:

* a private directory, created fresh (mode 0700, a random name) and
  removed afterwards, holding only the copy of the job (never the spool
  file's own path); TMPDIR, TEMP, TMP, HOME and the working directory point
  there, and it is made read-only before the interpreter starts, so nothing
  can be written;
* as root, an unprivileged account (``nobody``, no supplementary groups) for
  the interpreter: it cannot open root-only files or CUPS' spool (group lp).
  The copy is readable by that account, and Ghostscript is allowed to read
  that one file (-dSAFER --permit-file-read); it is given by name because
  Ghostscript reads standard input a byte per system call (3x slower);
* limits: address space (RLIMIT_AS), file size, CPU time, no core files; a
  clean environment (no GS_OPTIONS or GS_LIB from the caller); a process
  group killed whole at the deadline; output read up to a bound.

What the interpreter prints is never shown to users: callers log it at
debug level and report a fixed sentence.
"""

from __future__ import annotations

import math
import os
import pwd
import resource
import selectors
import shutil
import signal
import subprocess
import tempfile
from typing import BinaryIO

from .deadline import Deadline
from .errors import PDLError

UNPRIVILEGED_USER = "nobody"
MEMORY_LIMIT = 512 << 20    # address space; counting needs about 30 MB
FILE_SIZE_LIMIT = 1 << 20   # nothing should be written at all; this bounds a mistake
MAX_OUTPUT = 16 << 20       # bytes of standard output kept (page markers, ink lines)
MAX_ERRORS = 64 << 10       # bytes of standard error kept for the debug log
JOB_NAME = "job"


class Cell:
    """The private directory of one run, with the job copied into it."""

    def __init__(self) -> None:
        self.account = _unprivileged() if os.geteuid() == 0 else None
        self.path = tempfile.mkdtemp(prefix="pkpgcounter-")
        self.job_path = os.path.join(self.path, JOB_NAME)

    def __enter__(self) -> "Cell":
        return self

    def __exit__(self, *exc) -> None:
        try:
            os.chmod(self.path, 0o700)
        except OSError:
            pass
        shutil.rmtree(self.path, ignore_errors=True)

    def copy_in(self, source: BinaryIO, start: int, end: int, deadline: Deadline) -> None:
        """Copy bytes ``start``..``end`` of ``source`` to the job file, the
        one file of the cell, readable (only) by the interpreter's account."""
        fd = os.open(self.job_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as target:
            source.seek(start)
            remaining = end - start
            while remaining > 0:
                deadline.check()
                block = source.read(min(remaining, 1 << 20))
                if not block:
                    raise PDLError("job ended while copying it for the interpreter")
                target.write(block)
                remaining -= len(block)
            if self.account is not None:
                os.fchown(target.fileno(), *self.account)
            os.fchmod(target.fileno(), 0o400)
        if self.account is not None:
            os.chown(self.path, *self.account)
        os.chmod(self.path, 0o500)

    def run(self, command: list[str], deadline: Deadline, what: str,
            memory: int = MEMORY_LIMIT) -> tuple[int, bytes, bytes]:
        """Run ``command`` in the cell; return (exit status, stdout, stderr).

        Raises PDLError at the deadline or when the output is too large."""
        env = {"PATH": "/usr/bin:/bin", "TMPDIR": self.path, "TEMP": self.path, "TMP": self.path,
               "HOME": self.path, "LC_ALL": "C"}
        user, group = self.account if self.account is not None else (None, None)
        extra_groups: list[int] | None = [] if self.account is not None else None
        try:
            proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    cwd=self.path, env=env, start_new_session=True, umask=0o077,
                                    preexec_fn=_limits(deadline, memory), user=user, group=group,
                                    extra_groups=extra_groups)
        except OSError as exc:
            raise PDLError(f"cannot start {os.path.basename(command[0])}: {exc.strerror}") from None
        try:
            out, err = _collect(proc, deadline, what)
        finally:
            _kill(proc)
        return proc.returncode, out, err


def _unprivileged() -> tuple[int, int]:
    try:
        account = pwd.getpwnam(UNPRIVILEGED_USER)
        return account.pw_uid, account.pw_gid
    except KeyError:
        return 65534, 65534


def _limits(deadline: Deadline, memory: int):
    remaining = deadline.remaining()
    cpu = None if remaining is None else math.ceil(remaining) + 1

    def apply() -> None:  # runs in the child between fork and exec: no allocation-heavy work
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if cpu is not None:
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    return apply


def _collect(proc: subprocess.Popen, deadline: Deadline, what: str) -> tuple[bytes, bytes]:
    """Read both pipes until the interpreter ends, the deadline passes or it
    prints more than we keep."""
    assert proc.stdout is not None and proc.stderr is not None
    out, err = proc.stdout.fileno(), proc.stderr.fileno()
    kept = {out: bytearray(), err: bytearray()}
    bounds = {out: MAX_OUTPUT, err: MAX_ERRORS}
    with selectors.DefaultSelector() as selector:
        for fd in kept:
            selector.register(fd, selectors.EVENT_READ)
        while selector.get_map():
            remaining = deadline.remaining()
            if remaining is not None and remaining <= 0:
                raise PDLError(f"{what} did not finish within {deadline.seconds:g} s (time limit)")
            for key, _ in selector.select(remaining):
                chunk = os.read(key.fd, 1 << 16)
                if not chunk:
                    selector.unregister(key.fd)
                    continue
                if len(kept[key.fd]) + len(chunk) > bounds[key.fd]:
                    if key.fd == out:
                        raise PDLError(f"{what} stopped: the job prints more than {MAX_OUTPUT >> 20} MiB")
                    chunk = chunk[:max(0, bounds[key.fd] - len(kept[key.fd]))]
                kept[key.fd] += chunk
    remaining = deadline.remaining()
    try:
        proc.wait(timeout=remaining)
    except subprocess.TimeoutExpired:
        raise PDLError(f"{what} did not finish within {deadline.seconds:g} s (time limit)") from None
    return bytes(kept[out]), bytes(kept[err])


def _kill(proc: subprocess.Popen) -> None:
    """End the interpreter's whole process group and collect it (only while
    it is not collected yet: a collected pid may belong to someone else)."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    for pipe in (proc.stdout, proc.stderr):
        if pipe is not None:
            pipe.close()
    proc.wait()
