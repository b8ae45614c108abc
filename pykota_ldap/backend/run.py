"""Run the real backend as a child and pass its stderr lines through to CUPS unchanged.

The child gets the real URI as DEVICE_URI and argv[0], the same job arguments (the normalised
user name), the spool file (raw queues) or our copy of stdin, and CUPS' back and side channels
(fds 3 and 4). Like cupsd, a world-executable backend (socket, ipp) runs as the CUPS user (lp)
when we run as root; a 0700/0744 one (lpd, usb) stays root.
"""
from __future__ import annotations

import os
import re
import signal
import stat
import subprocess
from dataclasses import dataclass

from . import cupsio
from .exits import BackendExit
from .jobinfo import JobInfo

_PAGE_TOTAL = re.compile(r"^PAGE:\s*total\s+(\d+)\s*$")
_PAGE = re.compile(r"^PAGE:\s*(\d+)\s+(\d+)\s*$")


@dataclass
class RunResult:
    status: int                     # its exit status, which goes to CUPS (FAILED when killed)
    reported_pages: int | None      # from PAGE: lines, if any
    killed: bool = False
    message: str = ""
    started: bool = True            # False: cancelled before the real backend started
    banner_pages: int = 0           # banners printed with accounting around it (backend/banners.py)


def backend_path(scheme: str, environ: dict[str, str], own_path: str | None = None) -> str | None:
    dirs = []
    if environ.get("CUPS_SERVERBIN"):
        dirs.append(os.path.join(environ["CUPS_SERVERBIN"], "backend"))
    if own_path:
        dirs.append(os.path.dirname(os.path.abspath(own_path)))
    dirs.append("/usr/lib/cups/backend")
    for folder in dirs:
        candidate = os.path.join(folder, scheme)
        if scheme and "/" not in scheme and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def _lp_ids() -> tuple[int, int] | None:
    import pwd
    try:
        entry = pwd.getpwnam("lp")
        return entry.pw_uid, entry.pw_gid
    except KeyError:
        return None


def _open_fds() -> tuple[int, ...]:
    fds = []
    for fd in (3, 4):
        try:
            os.fstat(fd)
            fds.append(fd)
        except OSError:
            pass
    return tuple(fds)


class Runner:
    """Runs of the real backend; terminate() forwards a cancellation to the one running, or to
    the one starting, or keeps the next one from starting."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.stopped = False

    def terminate(self) -> None:
        self.stopped = True
        if self.process and self.process.poll() is None:
            try:
                self.process.send_signal(signal.SIGTERM)
            except OSError:
                pass

    def run(self, job: JobInfo, path: str) -> RunResult:
        if self.stopped:
            return RunResult(BackendExit.OK, None, message="cancelled before the real backend started", started=False)
        env = dict(job.environ)
        env["DEVICE_URI"] = job.uri
        args = [job.uri, job.job_id, job.user, job.raw_title, str(job.copies), job.raw_options]
        if job.file_arg is not None:            # a raw queue: the spool file in argv, nothing on stdin
            args.append(job.file_arg)
            data = os.devnull
        else:                                   # a filtered queue: the data on stdin, from our copy
            data = job.data_path
        with open(data, "rb") as stdin:
            try:
                self.process = subprocess.Popen(args, executable=path, stdin=stdin, stderr=subprocess.PIPE,
                                                env=env, pass_fds=_open_fds(), **_run_as(path))
            except OSError as exc:
                return RunResult(BackendExit.FAILED, None, message=f"cannot run {path}: {exc}", started=False)
            if self.stopped:                    # cancelled while it was being started
                self.terminate()
            reported = _pass_through(self.process)
            status = self.process.wait()
        name = os.path.basename(path)
        if status < 0:
            return RunResult(BackendExit.FAILED, reported, killed=True,
                             message=f"backend {name} was killed by signal {-status}")
        return RunResult(status, reported, message="" if status == 0 else f"backend {name} returned {status}")


def _run_as(path: str) -> dict:
    """Like cupsd: a world-executable backend runs as lp when we are root."""
    if os.geteuid() == 0 and os.stat(path).st_mode & stat.S_IXOTH:
        ids = _lp_ids()
        if ids:
            return {"user": ids[0], "group": ids[1], "extra_groups": []}
    return {}


def _pass_through(process: subprocess.Popen[bytes]) -> int | None:
    """The backend's stderr lines to cupsd, unchanged; the pages its PAGE: lines report."""
    reported_total, page_sum = None, 0
    assert process.stderr is not None          # stderr=PIPE
    for raw_line in process.stderr:
        line = raw_line.decode("utf-8", "replace")
        cupsio.raw(line)
        stripped = line.strip()
        match = _PAGE_TOTAL.match(stripped)
        if match:
            reported_total = int(match.group(1))
            continue
        match = _PAGE.match(stripped)
        if match:
            page_sum += int(match.group(2))
    return reported_total if reported_total is not None else (page_sum or None)
