"""Where the backend keeps its own files, so that no local user can touch them.

Locks (a printer's device lock, a journal entry's lock) are files with predictable names: they
live in directories only root can write ($PYKOTA_HOME/locks, else /run/pykota/locks; the
journal's own directory), checked before use, and are opened without following a link. The copy
of a job read on stdin has a random name (mkstemp), made in a directory no other user may write
when there is one.
"""
from __future__ import annotations

import errno
import fcntl
import os
import stat
from collections.abc import Mapping, Sequence
from pathlib import Path

RUN_DIR = "/run/pykota"


def private_dir(path: Path) -> Path:
    """`path`, created with mode 0700 when missing; PermissionError when it is not a directory of
    ours that no one else may write (a link, someone else's, group- or world-writable)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o022:
        raise PermissionError(errno.EPERM, f"{path} must be a directory of uid {os.geteuid()} that no one else "
                                           "may write (mode 0700)")
    return path


def lock_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """$PYKOTA_HOME/locks when PYKOTA_HOME is set, else /run/pykota/locks (private_dir checks it)."""
    home = environ.get("PYKOTA_HOME")
    return private_dir(Path(home) / "locks" if home else Path(RUN_DIR) / "locks")


def open_lock(path: Path) -> int:
    """The lock file's descriptor, created 0600; never through a symbolic link."""
    return os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)


def hold(path: Path, wait: bool = True) -> int | None:
    """An exclusive flock on `path`, kept as long as the returned descriptor is open; without
    `wait`, None when another process holds it. The file is checked to be the one still at
    `path` once locked (a holder may have removed it meanwhile)."""
    while True:
        fd = open_lock(path)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            os.close(fd)
            return None
        except BaseException:
            os.close(fd)
            raise
        try:
            same = os.stat(path, follow_symlinks=False).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)


def spool_dir(candidates: Sequence[str | None]) -> str | None:
    """The first of the candidate directories (`directory` in pykota.conf, CUPS' TMPDIR) that
    exists, is writable and that not everyone may write; None: the system's temporary directory
    (mkstemp's random name and O_EXCL still keep the copy safe there)."""
    for folder in candidates:
        if not folder:
            continue
        try:
            info = os.stat(folder)
        except OSError:
            continue
        if stat.S_ISDIR(info.st_mode) and not info.st_mode & 0o002 and os.access(folder, os.W_OK):
            return folder
    return None
