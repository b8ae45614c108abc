"""Charges kept on local disk while the directory cannot take them, applied exactly once later.

One file per charge, `<name>.json`, written to a temporary name, fsync'ed, renamed, and the
directory fsync'ed: after a crash the charge is either whole on disk or not there (and then the
job was not reported as printed-and-charged either). The file holds the model.Charge that
history.charge_job applies, as JSON; its unique entry name makes a replay idempotent: a charge
that did reach the directory (the answer was lost) is found on replay and not applied again.

Replayed at the start of every job (when the directory answers) and by `cupspykota --replay`.
Where: `journaldir` in pykota.conf, else $PYKOTA_HOME/journal when PYKOTA_HOME is set, else
/var/lib/pykota/journal.
"""
from __future__ import annotations

import fcntl
import json
import os
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..model import Charge, Job

if TYPE_CHECKING:
    from ..config import Config
    from ..directory import Directory

DEFAULT_DIR = "/var/lib/pykota/journal"


def journal_dir(config: Config) -> Path:
    configured = config.get("journaldir")
    if configured:
        return Path(configured)
    if os.environ.get("PYKOTA_HOME"):
        return Path(os.environ["PYKOTA_HOME"]) / "journal"
    return Path(DEFAULT_DIR)


def charge_to_json(charge: Charge) -> bytes:
    fields = asdict(charge)
    fields["job"]["date"] = charge.job.date.isoformat()
    return json.dumps(fields, sort_keys=True).encode()


def charge_from_json(data: bytes) -> Charge:
    """The charge a journal file holds; ValueError when it holds none."""
    try:
        fields = json.loads(data)
        job = dict(fields.pop("job"))
        job["date"] = datetime.fromisoformat(job["date"])
        if "price" in fields:               # files written before the field was named debit
            fields["debit"] = fields.pop("price")
        return Charge(job=Job(**job), quota_dns=tuple(fields.pop("quota_dns")),
                      reserved_pages=dict(fields.pop("reserved_pages") or {}), **fields)
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"not a charge ({type(exc).__name__}: {exc})") from None


def write(directory: Path, charge: Charge) -> Path:
    """Durably store one charge; returns its path."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    final = directory / f"{charge.name}.json"
    temporary = directory / f".{charge.name}.tmp"
    data = charge_to_json(charge)
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.rename(temporary, final)
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return final


def _set_aside(path: Path, report: ReplayReport, reason: str) -> None:
    """Move a charge that cannot be applied to failed/, so that it never blocks the charges
    behind it; an admin reads the reason there (and `cupspykota --replay` lists them)."""
    failed = path.parent / "failed"
    failed.mkdir(mode=0o700, exist_ok=True)
    os.replace(path, failed / path.name)
    (failed / (path.name + ".reason")).write_text(" ".join(reason.split()) + "\n")
    report.failed += 1
    report.errors.append(f"{path.name}: {' '.join(reason.split())} (moved to {failed})")


def pending(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.glob("*.json"))


@dataclass
class ReplayReport:
    applied: int = 0
    already: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.applied} applied, {self.already} already in the directory, {self.failed} left"


def replay(d: Directory, directory: Path, limit: int | None = None) -> ReplayReport:
    """Apply the pending charges; each file is removed once the directory has the charge.
    Concurrent replays (several jobs at once) lock each file, and charge_job's unique name
    makes even a double apply harmless."""
    from ..directory import DirectoryUnavailable
    report = ReplayReport()
    for path in pending(directory)[:limit]:
        try:
            handle = open(path, "rb")
        except FileNotFoundError:
            continue                               # another process applied it meanwhile
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue                           # another process is applying it
            if not path.exists():
                continue
            try:
                _replay_one(d, path, handle.read(), report)
            except DirectoryUnavailable:
                report.failed += len(pending(directory))
                raise
    return report


def _replay_one(d: Directory, path: Path, data: bytes, report: ReplayReport) -> None:
    from ..directory import DirectoryError, DirectoryUnavailable
    from ..directory.history import charge_job, replay_is_safe
    try:
        charge = charge_from_json(data)
    except ValueError as exc:
        _set_aside(path, report, f"unreadable ({exc})")
        return
    if not replay_is_safe(charge.job):
        _set_aside(path, report, "older than the directory's memory of applied charges; "
                                 "check the history and apply it by hand if it is missing")
        return
    try:
        new = charge_job(d, charge)
    except DirectoryUnavailable:
        raise
    except DirectoryError as exc:                  # e.g. a quota entry deleted since: it will not get better
        _set_aside(path, report, str(exc))
        return
    if new:
        report.applied += 1
    else:
        report.already += 1
    path.unlink(missing_ok=True)
