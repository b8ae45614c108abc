"""This print server: CUPS queues that bypass cupspykota, the journal, the resident helper."""
from __future__ import annotations

import os
import shutil
import socket
import time
from pathlib import Path

from ..backend.journal import journal_dir, lock_path
from ..backend.places import hold
from ..backend.replay import pending
from ..backend.state import socket_path
from ..cli.common import UserError
from ..cli.cups import device_uris, is_routed
from ..config import Config
from ..directory import Directory, DirectoryError, printers
from ..query.protocol import query_socket_path
from . import OK, PROBLEM, WARNING, Finding

MIN_FREE = 16 << 20     # bytes the journal's file system should keep free


def _queues(config: Config, directory: Directory | None) -> list[Finding]:
    try:
        uris = device_uris()
    except (UserError, OSError) as exc:
        return [Finding(WARNING, f"cannot list the CUPS queues ({exc}): routing not checked")]
    try:
        known = {name.lower() for name in printers.all_printers(directory)} if directory else None
    except DirectoryError:
        known = None
    found = []
    for queue, uri in sorted(uris.items()):
        if not is_routed(uri):
            found.append(Finding(PROBLEM, f"CUPS queue {queue} prints to {uri} without cupspykota: its jobs are "
                                          "neither checked nor charged",
                                 f"pkprinters -a -C {queue} (or lpadmin -p {queue} -v cupspykota:{uri})"))
        elif known is not None and queue.lower() not in known:
            found.append(Finding(PROBLEM, f"CUPS queue {queue} goes through cupspykota but is not in the directory: "
                                          "its jobs are refused, or printed unaccounted (policy)",
                                 f"pkprinters -a {queue}"))
    named = {queue.lower() for queue in uris}
    for section in config.printers_with_sections():
        if section.lower() not in named:
            found.append(Finding(WARNING, f"{config.path} [{section}]: no CUPS queue is called {section}: the "
                                          "section is never used", "name the section after its queue (lpstat -v)"))
    routed = sum(1 for uri in uris.values() if is_routed(uri))
    return found or [Finding(OK, f"{routed} CUPS queue{'s' if routed != 1 else ''}, every one through cupspykota")]


def _nearest(folder: Path) -> Path:
    """The folder, or the nearest existing one above it (the journal is made on first use)."""
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def _journal(config: Config) -> list[Finding]:
    folder = journal_dir(config)
    found = []
    existing = _nearest(folder)
    if not os.access(existing, os.W_OK):
        found.append(Finding(PROBLEM, f"{existing} is not writable: the charges of jobs cannot be kept in {folder}",
                             "let root write it, or set journaldir"))
    elif shutil.disk_usage(existing).free < MIN_FREE:
        found.append(Finding(PROBLEM, f"less than {MIN_FREE >> 20} MB free for the journal {folder}: jobs are held "
                                      "when their charge cannot be kept", "free some space, or set journaldir"))
    waiting = [path for path in pending(folder) if not _in_flight(path)]
    if waiting:
        oldest = time.strftime("%Y-%m-%d %H:%M", time.localtime(min(p.stat().st_mtime for p in waiting)))
        found.append(Finding(PROBLEM, f"{len(waiting)} charge{'s' if len(waiting) > 1 else ''} wait in {folder} "
                                      f"(the oldest since {oldest}): not yet in the directory",
                             "they are applied at the next job once the directory answers; now: cupspykota --replay"))
    for path in sorted((folder / "failed").glob("*.json")) if (folder / "failed").is_dir() else []:
        reason_file = path.with_name(path.name + ".reason")
        reason = reason_file.read_text().strip() if reason_file.exists() else "no reason kept"
        found.append(Finding(PROBLEM, f"{path}: a charge set aside: {reason}",
                             f"see why, fix it, move the file back to {folder} and run cupspykota --replay "
                             "(or make the charge by hand and delete the file)"))
    return found or [Finding(OK, f"journal {folder}: no charge waiting")]


def _in_flight(record: Path) -> bool:
    """A live job holds the lock of its own record for as long as it runs."""
    try:
        fd = hold(lock_path(record), wait=False)
    except OSError:                          # not ours to lock (not root): count it as waiting
        return False
    if fd is None:
        return True
    os.close(fd)
    return False


def _answers(path: str) -> str | None:
    """None when something listens on the Unix socket `path`, else why not."""
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.settimeout(2)
        probe.connect(path)
    except OSError as exc:
        return exc.strerror or str(exc)
    finally:
        probe.close()
    return None


def _helper() -> list[Finding]:
    """The resident helper: jobs go faster through it, and users' own commands need it."""
    jobs, queries = socket_path(), query_socket_path()
    if not os.path.exists(jobs) and not os.path.exists(queries):
        return [Finding(WARNING, f"the resident helper is not running ({jobs} absent): users cannot see their "
                                 "own quota (repykota, pkusers -L...) and jobs start slower",
                        "systemctl enable --now cupspykota (or run cupspykota --serve)")]
    found = []
    for path, what in ((jobs, "jobs are run without it"), (queries, "users' own commands cannot be answered")):
        why = _answers(path) if os.path.exists(path) else "absent"
        if why:
            found.append(Finding(PROBLEM, f"{path}: the resident helper does not answer ({why}): {what}",
                                 "restart it (systemctl restart cupspykota, or cupspykota --serve)"))
    return found or [Finding(OK, f"the resident helper answers on {jobs} and {queries}")]


def findings(config: Config, directory: Directory | None) -> list[Finding]:
    return _queues(config, directory) + _journal(config) + _helper()
