"""pkhistory --purge-before: old job entries leave the directory (archived first when asked),
counters and balances stay; a dry run changes nothing."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from .conftest import charge, snapshot

PK = "ou=PyKota,dc=example,dc=org"
DATES = [datetime(2025, 1, 10, 8, tzinfo=timezone.utc), datetime(2025, 6, 1, 12, tzinfo=timezone.utc),
         datetime(2026, 1, 5, 9, tzinfo=timezone.utc)]


def _jobs(sh) -> list[str]:
    return [line for line in sh.search(f"ou=Jobs,{PK}", "(objectClass=pkJob)", "pkJobDate").splitlines()
            if line.startswith("pkJobDate:")]


def _entries(ldif: str) -> list[list[str]]:
    """The entries of a dump, in an order of their own (a restored entry comes last)."""
    return sorted(sorted(block.splitlines()) for block in ldif.strip().split("\n\n"))


def test_purge_dry_run_archive_and_restore(sh, slapd, admin_directory, tmp_path):
    sh("pkprinters -a hp4")
    sh("pkusers -a jerome")
    sh("edpykota -a jerome")
    for n, when in enumerate(DATES):
        charge(admin_directory, "jerome", "hp4", 2, when, job_id=str(n), title=f"été {n}.pdf")
    before = snapshot(slapd)

    out = sh("pkhistory --purge-before 20250901 --dry-run").stdout
    assert out.startswith("pkhistory: 2 jobs dated before 2025-09-01 00:00:00 would be deleted")
    assert snapshot(slapd) == before

    archive = tmp_path / "old.ldif"
    out = sh(f"pkhistory --purge-before 20250901 --archive {archive}").stdout
    assert out.startswith(f"pkhistory: 2 jobs dated before 2025-09-01 00:00:00 deleted, archived in {archive}")
    assert _jobs(sh) == ["pkJobDate: 20260105090000Z"]
    counter = sh.search(f"ou=UserQuotas,{PK}", "(cn=jerome@hp4)", "pkPageCounter")
    assert "pkPageCounter: 6" in counter                       # the counters keep what was charged
    assert archive.read_text().count("\ndn: ") + archive.read_text().startswith("dn: ") == 2
    assert archive.stat().st_mode & 0o077 == 0                 # job titles are the users' business

    slapd.ldapadd(Path(archive))                               # the archive puts them back
    assert _entries(snapshot(slapd)) == _entries(before)
    assert "0 jobs" in sh("pkhistory --purge-before 2025").stdout


def test_bad_date_is_one_line_and_changes_nothing(sh, slapd):
    before = snapshot(slapd)
    result = sh("pkhistory --purge-before 2025-01-01", ok=False)
    assert result.exit_code != 0
    assert "invalid date '2025-01-01'" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert snapshot(slapd) == before


def test_archive_is_never_written_through_a_planted_link(sh, slapd, tmp_path):
    target = tmp_path / "victim"
    target.write_text("keep\n")
    link = tmp_path / "old.ldif"
    link.symlink_to(target)
    before = snapshot(slapd)
    result = sh(f"pkhistory --purge-before 2025 --archive {link}", ok=False)
    assert result.exit_code != 0 and f"cannot write {link}" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert target.read_text() == "keep\n" and snapshot(slapd) == before


def test_an_existing_archive_ends_private(sh, tmp_path):
    archive = tmp_path / "old.ldif"
    archive.write_text("")
    archive.chmod(0o644)
    sh(f"pkhistory --purge-before 2025 --archive {archive}")
    assert archive.stat().st_mode & 0o777 == 0o600


def test_a_date_in_the_future_is_refused(sh, slapd):
    before = snapshot(slapd)
    result = sh("pkhistory --purge-before tomorrow", ok=False)
    assert result.exit_code != 0 and "in the future" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert snapshot(slapd) == before
