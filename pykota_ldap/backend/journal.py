"""The job's intent log: what the directory must still receive if the job stops here, on local
disk before the first directory write that changes counters.

One file per job, `<name>.json` (the model.Charge that history.charge_job applies, as JSON),
named by the job's charge name and replaced as the job goes on:
  R0  before a strict reservation: give the reservation back (a charge of 0 pages, CANCEL);
  R1  just before the real backend starts: charge the precount (data may reach the printer);
  R2  after printing and counting: the real charge;
then R2 is applied and the file removed. Every record of a job has the same name, so the marks
it leaves on counter entries (pkAppliedCharge) make any replay of any record exactly once. The
live job holds an flock on `<name>.lock` from before its first record to the end: a replay
(replay.py: the next job, `cupspykota --replay`) skips what a live job holds, and finishes what
a dead one left (the kernel releases a dead process's lock).

A record is written whole or not at all: every byte (a short write on a full disk is continued,
then refused), fsync, rename over the previous record, fsync of the directory. One that cannot be
written is a JournalError: before printing the job is held, never printed uncharged.

A record names the directory server the job writes to (`provider`): under multi-provider
replication a write whose answer was lost may be on that provider only, so its replay goes there
and nowhere else (replay.py; docs/replication.md).

Where: `journaldir` in pykota.conf, else $PYKOTA_HOME/journal when PYKOTA_HOME is set, else
/var/lib/pykota/journal; a directory only root may write (places.private_dir).
"""
from __future__ import annotations

import errno
import json
import os
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..model import Charge, Job
from .jobinfo import as_text
from .places import hold, private_dir

if TYPE_CHECKING:
    from ..config import Config

DEFAULT_DIR = "/var/lib/pykota/journal"
VERSION = 2           # 2: reservations carry marks; a file without a version was written before


class JournalError(Exception):
    """A record could not be kept on disk (full disk, unwritable or unsafe directory)."""


def journal_dir(config: Config) -> Path:
    configured = config.get("journaldir")
    if configured:
        return Path(configured)
    if os.environ.get("PYKOTA_HOME"):
        return Path(os.environ["PYKOTA_HOME"]) / "journal"
    return Path(DEFAULT_DIR)


def lock_path(record: Path) -> Path:
    return record.with_suffix(".lock")


# -- the format ----------------------------------------------------------------------------------

def charge_to_json(charge: Charge, provider: str | None = None) -> bytes:
    fields = asdict(charge)
    fields["job"]["date"] = charge.job.date.isoformat()
    fields["version"] = VERSION
    if provider:
        fields["provider"] = provider
    return json.dumps(fields, sort_keys=True).encode()


def provider_of(data: bytes) -> str | None:
    """The server a record's writes went to (None: any server of storageserver may take it)."""
    try:
        found = json.loads(data).get("provider")
    except (ValueError, AttributeError):
        return None
    return found if isinstance(found, str) and found else None


def charge_from_json(data: bytes) -> Charge:
    """The charge a journal file holds; ValueError when it holds none. Text that is not UTF-8
    (in records written before it was escaped at the job's start) is escaped here."""
    try:
        fields = json.loads(data)
        job: dict[str, Any] = {key: as_text(value) if isinstance(value, str) else value
                               for key, value in fields.pop("job").items()}
        job["date"] = datetime.fromisoformat(job["date"])
        version = fields.pop("version", 1)
        fields.pop("provider", None)
        if "price" in fields:               # files written before the field was named debit
            fields["debit"] = fields.pop("price")
        reserved_pages = dict(fields.pop("reserved_pages") or {})
        if version < 2 and any(reserved_pages.values()):
            raise ValueError("written by an older cupspykota after a strict reservation, which left no mark: "
                             f"apply by hand {fields.get('pages')} pages, less {reserved_pages} already counted")
        return Charge(job=Job(**job), quota_dns=tuple(fields.pop("quota_dns")), reserved_pages=reserved_pages,
                      **fields)
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"not a charge ({type(exc).__name__}: {exc})") from None


# -- writing -------------------------------------------------------------------------------------

def durable_write(path: Path, data: bytes) -> None:
    """`data` as the whole content of `path`, or OSError with `path` as it was."""
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            rest = memoryview(data)
            while rest:
                written = os.write(fd, rest)
                if written <= 0:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                rest = rest[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write(folder: Path, charge: Charge) -> Path:
    """One charge kept durably as `<name>.json` in `folder` (no lock: for charges of no live job)."""
    path = private_dir(folder) / f"{charge.name}.json"
    durable_write(path, charge_to_json(charge))
    return path


class JobJournal:
    """One job's record in the journal, and the lock the job holds on it while it lives."""

    def __init__(self, folder: Path, name: str):
        self.folder, self.name = folder, name
        self.path = folder / f"{name}.json"
        self.recorded = False             # a record of this job is on disk
        self.provider: str | None = None  # the server the job writes to, kept in each record
        self._lock: int | None = None

    def record(self, charge: Charge) -> None:
        """Make `charge` what the directory must receive if the job stops here; on disk when this
        returns, else JournalError."""
        try:
            if self._lock is None:
                private_dir(self.folder)
                self._lock = hold(lock_path(self.path))
            durable_write(self.path, charge_to_json(charge, self.provider))
        except OSError as exc:
            raise JournalError(f"the journal in {self.folder} cannot keep the charge of job {charge.job.job_id}: "
                               f"{exc.strerror or exc}") from None
        self.recorded = True

    def done(self) -> None:
        """The directory has the job's last record: nothing is pending any more."""
        if self.recorded:
            self.path.unlink(missing_ok=True)
            self.recorded = False
        if self._lock is not None:
            lock_path(self.path).unlink(missing_ok=True)
        self.close()

    def close(self) -> None:
        """Let go of the lock: a record still on disk is for a replay to finish."""
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None
