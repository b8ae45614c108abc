"""The resident helper started on demand: no admin needs to start `cupspykota --serve`.

A backend that finds no helper answering does its job itself, as always, and first starts one in
the background for the jobs after it: a process of its own session, stdin/stdout/stderr on
/dev/null (cupsd waits for the end of the job's stderr: a helper holding it would keep the job
open), of the job's environment only what says where to serve (KEPT), nothing else inherited. The
helper holds an exclusive lock next to its socket for its whole life, so backends that start one at
the same moment make one helper: the others see the lock taken and exit at once.
An on-demand helper goes away after IDLE_SECONDS without a job.

Where: on the system's socket (/run/pykota, no PYKOTA_HOME nor PYKOTA_BACKEND_SOCKET), which is
what a print server has; PYKOTA_HELPER=ondemand asks for it elsewhere (tests, benchmarks),
PYKOTA_HELPER=no never (an admin who starts the helper with systemd, or wants none).
"""
from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from typing import Mapping

IDLE_SECONDS = 900.0
# What the helper itself may keep of the first job's environment: where and how to serve. The
# rest (AUTH_PASSWORD, DEVICE_URI with its credentials, PRINTER, LANG...) is that job's; each
# job brings its own environment to the helper's child (server._adopt).
KEPT = ("PATH", "TMPDIR", "TZ", "CUPS_SERVERBIN", "CUPS_SERVER", "CUPS_DATADIR", "CUPS_SERVERROOT")


def wanted(environ: Mapping[str, str] = os.environ) -> bool:
    choice = environ.get("PYKOTA_HELPER", "").lower()
    if choice in ("no", "ondemand"):
        return choice == "ondemand"
    return not environ.get("PYKOTA_HOME") and not environ.get("PYKOTA_BACKEND_SOCKET")


def idle_seconds(environ: Mapping[str, str] = os.environ) -> float:
    try:
        return max(1.0, float(environ.get("PYKOTA_HELPER_IDLE", IDLE_SECONDS)))
    except ValueError:
        return IDLE_SECONDS


def start_helper(socket: str) -> None:
    """Start `cupspykota --serve --on-demand` in the background unless the lock says one runs.
    Never fails the job: a helper that cannot start only means the next job starts Python too."""
    if not wanted() or _locked(socket + ".lock"):
        return
    code = (f"import sys; sys.path[:0] = {sys.path!r}; "
            "from pykota_ldap.backend.main import main; sys.exit(main(['--serve', '--on-demand']))")
    try:
        folder = os.path.dirname(socket) or "."
        os.makedirs(folder, mode=0o755, exist_ok=True)
        if not os.access(folder, os.W_OK):
            return                  # a helper could not listen there: do not start one per job
        subprocess.Popen([sys.executable, "-S", "-c", code], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, close_fds=True, start_new_session=True, cwd="/",
                         env=helper_environment())
    except OSError:
        pass


def helper_environment(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    return {name: value for name, value in environ.items() if name in KEPT or name.startswith("PYKOTA_")}


def _locked(path: str) -> bool:
    """A helper holds the lock (only a test: the helper takes it for itself)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return False                # no helper has ever run here
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except OSError:
        return True
    finally:
        os.close(fd)


def hold_lock(socket: str) -> int | None:
    """In the helper: the lock for as long as it lives (its descriptor), or None when another
    helper has it."""
    fd = os.open(socket + ".lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return fd
