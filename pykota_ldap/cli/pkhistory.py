"""pkhistory: keep the job history from growing forever (PyKota had no way to).

\b
    pkhistory --purge-before 2025 --dry-run              how many jobs of 2024 and before
    pkhistory --purge-before 20250901 --archive old.ldif  copy them to old.ldif, then delete them
    pkhistory --purge-before today-365                    everything older than a year

DATE is a dumpykota date (YYYY[MM[DD[hh[mm[ss]]]]] or today, yesterday, now, +N / -N days), in
local time, taken as the first second of that period: the jobs dated before it go. Counters,
balances and payments stay as they are: only the job entries are removed. An archive is LDIF,
each page of entries on disk before it is deleted (`ldapadd -f FILE` puts them back).
"""
from __future__ import annotations

import errno
import os
import stat
import time
from datetime import datetime
from typing import TextIO

import click

from ..directory import purge
from ..report import dates
from .admin import command
from .common import Progress, fail
from .session import session


@command("pkhistory", help=__doc__)
@click.option("--purge-before", "before_text", metavar="DATE", required=True,
              help="Delete the jobs dated before DATE.")
@click.option("--archive", metavar="FILE", help="First append the jobs to FILE (LDIF).")
@click.option("-n", "--dry-run", is_flag=True, help="Only count the jobs that would go.")
def main(before_text: str, archive: str | None, dry_run: bool) -> None:
    try:
        before = dates.parse(before_text, as_end=False)
    except dates.DateError as exc:
        fail(str(exc))
    if before > datetime.now().astimezone():
        fail(f"{before_text!r} is in the future: every job would be deleted (give a past date)")
    with session() as s:
        s.require_admin("pkhistory")
        started = time.monotonic()
        out = _open(archive) if archive and not dry_run else None
        try:
            with Progress("pkhistory: jobs", every=1000) as progress:
                count = purge.purge_jobs(s.directory, before, archive=out, dry_run=dry_run, progress=progress.step)
        finally:
            if out is not None:
                out.close()
    when = f"{before:%Y-%m-%d %H:%M:%S}"
    if dry_run:
        click.echo(f"pkhistory: {count} jobs dated before {when} would be deleted (dry run: nothing changed)")
    else:
        kept = f", archived in {archive}" if archive else ""
        click.echo(f"pkhistory: {count} jobs dated before {when} deleted{kept} in {time.monotonic() - started:.1f} s")


def _open(path: str) -> TextIO:
    """The archive, private (job titles are the users' business): never through a link, never
    another user's file (one planted in a shared folder would let its owner read the history)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
    except OSError as exc:
        why = "a symbolic link is refused" if exc.errno == errno.ELOOP else exc.strerror
        fail(f"cannot write {path}: {why}")
    found = os.fstat(fd)
    if not stat.S_ISREG(found.st_mode) or found.st_uid != os.geteuid():
        os.close(fd)
        fail(f"cannot write {path}: not a regular file of this user")
    os.fchmod(fd, 0o600)
    return os.fdopen(fd, "a", encoding="utf-8")


if __name__ == "__main__":
    main()
