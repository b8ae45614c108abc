"""This print server: CUPS queues that bypass cupspykota, the journal, the resident helper."""
from __future__ import annotations

import os
import shutil
import socket
import time
from pathlib import Path

from ..backend.journal import journal_dir, pending
from ..backend.state import socket_path
from ..cli.common import UserError
from ..cli.cups import device_uris, is_routed
from ..config import Config
from ..directory import Directory, DirectoryError, printers
from . import OK, PROBLEM, WARNING, Finding

IN_FLIGHT = 600         # seconds: a younger journal entry may belong to a job printing now
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
    now = time.time()
    waiting = [path for path in pending(folder) if now - path.stat().st_mtime > IN_FLIGHT]
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


def _helper() -> Finding:
    path = socket_path()
    if not os.path.exists(path):
        return Finding(OK, f"the resident helper is not running (optional: {path} absent, jobs start slower)")
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.settimeout(2)
        probe.connect(path)
    except OSError as exc:
        return Finding(PROBLEM, f"{path} exists but the resident helper does not answer ({exc.strerror}): jobs "
                                "are run without it", "start it again (cupspykota --serve), or remove the socket")
    finally:
        probe.close()
    return Finding(OK, f"the resident helper answers on {path}")


def findings(config: Config, directory: Directory | None) -> list[Finding]:
    return _queues(config, directory) + _journal(config) + [_helper()]
