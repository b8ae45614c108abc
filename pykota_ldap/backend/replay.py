"""Finishing what the journal holds: the records of jobs that ended before the directory had them
(directory lost, backend killed, cupsd gone), each applied exactly once by its marks.

Run at the start of every job that reaches the directory, and by `cupspykota --replay`. A record
whose lock a live job holds is left to it. One that can never apply (unreadable, too old, its
entries deleted, text the directory refuses) goes to `failed/` with its reason and never blocks
the others; one the ACL refuses stays, to apply once the ACL is fixed.

A record that names its provider (journal.provider_of) is applied on that server only, through a
connection of its own when the job's connection is on another: under multi-provider replication
that provider may hold part of the charge that no other has seen yet. While it does not answer
the record waits (tried again at most every PROVIDER_RETRY seconds, so jobs do not each wait for
its connect timeout).
"""
from __future__ import annotations

import dataclasses
import os
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .journal import charge_from_json, lock_path, provider_of
from .places import hold, private_dir

if TYPE_CHECKING:
    from ..directory import Directory

PROVIDER_RETRY = 30.0                # seconds between tries of a provider that did not answer


@dataclass
class ReplayReport:
    applied: int = 0
    already: int = 0
    failed: int = 0                  # set aside in failed/
    waiting: int = 0                 # refused by the ACL: kept
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"{self.applied} applied, {self.already} already in the directory, "
                f"{self.failed + self.waiting} left")


def pending(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(folder.glob("*.json"))


def replay(d: Directory, folder: Path, limit: int | None = None) -> ReplayReport:
    """Apply the pending records; each file goes once the directory has it. DirectoryUnavailable
    stops the replay (the rest waits for the next one)."""
    from ..directory import DirectoryUnavailable
    report = ReplayReport()
    providers = _Providers(d, folder)
    try:
        for path in pending(folder)[:limit]:
            lock = hold(lock_path(path), wait=False)
            if lock is None:
                continue                             # a live job's, or another replay is on it
            target: Directory | None = d
            try:
                if not path.exists():
                    continue
                target = providers.directory_for(provider_of(path.read_bytes()))
                if target is None:
                    report.waiting += 1              # its provider is away: the record waits for it
                    continue
                _replay_one(target, path, report)
            except DirectoryUnavailable:
                if target is not None and target is not d:
                    providers.lost(target)
                    report.waiting += 1
                    continue
                report.waiting += len(pending(folder))
                raise
            finally:
                os.close(lock)
    finally:
        providers.close()
    _forget_stale_locks(folder)
    return report


class _Providers:
    """The connections a replay applies records through: the job's own, and one per other
    provider named by a record (None for a provider that does not answer)."""

    def __init__(self, d: Directory, folder: Path):
        self.d, self.folder = d, folder
        self.others: dict[str, Directory | None] = {}

    def directory_for(self, provider: str | None) -> Directory | None:
        from ..directory import Directory, DirectoryUnavailable
        if provider is None or provider == self.d.server_uri:
            return self.d
        if provider not in self.others:
            other = None
            if not self._tried_lately(provider):
                try:
                    other = Directory(dataclasses.replace(self.d.settings, uris=(provider,))).connect()
                except DirectoryUnavailable:
                    self._stamp(provider).touch()
            self.others[provider] = other
        return self.others[provider]

    def lost(self, other: Directory) -> None:
        for uri, known in self.others.items():
            if known is other:
                self.others[uri] = None
                self._stamp(uri).touch()
                other.close()

    def _stamp(self, provider: str) -> Path:
        return private_dir(self.folder / "away") / urllib.parse.quote(provider, safe="")

    def _tried_lately(self, provider: str) -> bool:
        try:
            return time.time() - self._stamp(provider).stat().st_mtime < PROVIDER_RETRY
        except OSError:
            return False

    def close(self) -> None:
        for other in self.others.values():
            if other is not None:
                other.close()


def _replay_one(d: Directory, path: Path, report: ReplayReport) -> None:
    from ..directory import AccessDenied, DirectoryError, DirectoryUnavailable
    from ..directory.history import charge_job, replay_is_safe
    try:
        charge = charge_from_json(path.read_bytes())
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
    except AccessDenied as exc:                     # waits for the ACL to be fixed
        report.waiting += 1
        report.errors.append(f"{path.name}: {_one_line(exc)} (kept)")
        return
    except DirectoryError as exc:                   # e.g. a quota entry deleted since: it will not get better
        _set_aside(path, report, str(exc))
        return
    except Exception as exc:  # noqa: BLE001 - one bad record must never block the others
        _set_aside(path, report, f"cannot be applied ({type(exc).__name__}: {exc})")
        return
    if new:
        report.applied += 1
    else:
        report.already += 1
    _remove(path)


def _set_aside(path: Path, report: ReplayReport, reason: str) -> None:
    """Move a record that cannot be applied to failed/, where an admin reads why (and
    `cupspykota --replay` lists them)."""
    failed = private_dir(path.parent / "failed")
    os.replace(path, failed / path.name)
    (failed / (path.name + ".reason")).write_text(_one_line(reason) + "\n")
    lock_path(path).unlink(missing_ok=True)
    report.failed += 1
    report.errors.append(f"{path.name}: {_one_line(reason)} (moved to {failed})")


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)
    lock_path(path).unlink(missing_ok=True)


def _forget_stale_locks(folder: Path) -> None:
    """Locks and half-written records left by jobs that died before their first record or after
    their last (the live ones' locks are held)."""
    for lock_file in folder.glob("*.lock"):
        record = lock_file.with_suffix(".json")
        if record.exists():
            continue
        fd = hold(lock_file, wait=False)
        if fd is None:
            continue
        try:
            if not record.exists():
                record.with_name(f".{record.name}.tmp").unlink(missing_ok=True)
                lock_file.unlink(missing_ok=True)
        finally:
            os.close(fd)


def _one_line(value: object) -> str:
    return " ".join(str(value).split())
