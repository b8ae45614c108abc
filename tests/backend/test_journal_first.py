"""The journal is the job's intent log: what the directory must still receive is on disk before
the first write, so a backend killed anywhere is finished by the next job or `--replay`, once; a
journal that cannot hold it holds the job; one bad entry blocks nothing; a permission error is
named as one and its charge waits for the ACL to be fixed."""
from __future__ import annotations

import os
import signal
import time

import pytest

from pykota_ldap.directory import printers, quotas
from pykota_ldap.testing.slapd import SERVICE_DN

from .conftest import run_backend
from .waiting import backend_pids, history, managed, received_all, slow_printer, wait_for

ENDED = {"held", "completed", "canceled", "aborted"}


def _replay(rig, cups_home):
    return run_backend(rig.cups, "--replay", env={"PYKOTA_HOME": str(cups_home), "PATH": "/usr/bin:/bin"})


def _pending(folder):
    return sorted(p.name for p in folder.glob("*.json"))


def test_a_backend_killed_during_the_charge_is_finished_once(rig, cups_home):
    """slapd is stopped (SIGSTOP) while the printer prints, so the charge after it blocks; the
    backend is then killed. What slapd had received applies when it continues; `--replay`
    finishes the rest, and counts nothing twice."""
    with slow_printer(1.0) as printer:
        queue = rig.queue(uri=printer.uri)
        managed(rig, queue)
        job_id = rig.print(queue, 3, wait=False)
        wait_for(lambda: received_all(printer), what="the data at the printer")
        [backend] = backend_pids(rig.cups)
        os.kill(rig.slapd.process.pid, signal.SIGSTOP)
        try:
            wait_for(lambda: printer.jobs[-1]["pages"] is not None, what="the printer to finish")
            time.sleep(1.5)                          # the backend sent its first charge write
            os.kill(backend, signal.SIGKILL)
            rig.cups.wait_job(queue, job_id, states=ENDED)
        finally:
            os.kill(rig.slapd.process.pid, signal.SIGCONT)
    time.sleep(1)
    done = _replay(rig, cups_home)
    assert done.returncode == 0, done.stderr
    assert history(rig, queue) == [("ALLOW", "3")]
    assert rig.counter("alice", queue) == 3
    assert "no pending charge" in _replay(rig, cups_home).stdout


def test_a_backend_killed_while_printing_is_charged_the_precount(rig, cups_home):
    """R1, written just before the real backend started, is what a replay applies."""
    with slow_printer(1.0) as printer:
        queue = rig.queue(uri=printer.uri)
        managed(rig, queue)
        job_id = rig.print(queue, 4, wait=False)
        wait_for(lambda: received_all(printer), what="the data at the printer")
        [backend] = backend_pids(rig.cups)
        os.kill(backend, signal.SIGKILL)
        rig.cups.wait_job(queue, job_id, states=ENDED)
    done = _replay(rig, cups_home)
    assert done.returncode == 0 and "1 applied" in done.stdout, done.stdout + done.stderr
    assert rig.counter("alice", queue) == 4
    assert history(rig, queue) == [("ALLOW", "4")]


@pytest.fixture
def tiny_journal(tmp_path, rig):
    """A 12 KiB tmpfs as the journal directory (where the backends see it), with one page (4 KiB)
    left free: (the path the backends use, the path this test reaches it by)."""
    mount = tmp_path / "journal"
    mount.mkdir()
    seen = rig.cups.mount_tmpfs(mount, "12k")
    try:
        (seen / "filler").write_bytes(b"x" * 8192)
        yield mount, seen
    finally:
        rig.cups.unmount(mount)


def test_a_journal_that_cannot_keep_the_charge_holds_the_job(rig, tiny_journal):
    journal, seen = tiny_journal
    rig.configure(f"journaldir: {journal}\n")
    big = {"pykota-note": "x" * 6000}                # the job's record no longer fits in 4 KiB
    with slow_printer(0.5) as printer:
        queue = rig.queue(uri=printer.uri)
        managed(rig, queue)
        job_id = rig.print(queue, 3, wait=False, options=big)
        wait_for(lambda: received_all(printer) or rig.cups.job(queue, job_id).state == "held",
                 what="the job printing or held")
        lost = received_all(printer)
        if lost:                                     # the record is only written when the directory is gone
            rig.slapd.kill()
        job = rig.cups.wait_job(queue, job_id, states=ENDED)
        if lost:
            rig.slapd.restart()
        assert job.state == "held", f"{job.state}: {rig.log(job_id)[-1500:]}"
        assert "journal" in job.message and printer.jobs == []
        assert "ERROR" in rig.cups.error_log() and "cannot keep" in rig.log(job_id)
        (seen / "filler").unlink()          # the admin makes room, and releases the job
        rig.cups.run("lp", "-h", rig.cups.host, "-i", str(job_id), "-H", "resume")
        assert rig.cups.wait_job(queue, job_id, states=ENDED).state == "completed"
    assert rig.counter("alice", queue) == 3
    assert history(rig, queue) == [("ALLOW", "3"), ("PROBLEM", "0")]    # the held run, then the printed one
    assert _pending(seen) == []


def _not_utf8_job(rig, queue, options):
    """A job whose file name and options hold bytes that are not UTF-8 ($'\\xff')."""
    document = rig.cups.document_dir / os.fsdecode(b"r\xffport.ps")     # a user may read it
    document.write_bytes(rig.document(1).read_bytes())
    return rig.cups.lp(queue, document, options=options)


def test_text_that_is_not_utf8_is_kept_escaped_in_the_history(rig):
    queue = rig.queue()
    managed(rig, queue)
    job_id = _not_utf8_job(rig, queue, {"foo": os.fsdecode(b"\xff\xfe")})
    assert rig.cups.wait_job(queue, job_id).state == "completed"
    assert rig.counter("alice", queue) == 1
    entry = rig.slapd.ldapsearch("ou=Jobs,ou=PyKota,dc=example,dc=org", "(objectClass=pkJob)", "pkOptions",
                                 "pkFileName")
    assert "foo=\\xff\\xfe" in entry and "r\\xffport.ps" in entry, entry


def test_a_journaled_charge_that_is_not_utf8_blocks_nothing(rig, cups_home):
    journal = cups_home / "journal"
    with slow_printer(0.5) as printer:
        queue = rig.queue(uri=printer.uri)
        managed(rig, queue)
        job_id = _not_utf8_job(rig, queue, {"foo": os.fsdecode(b"\xff\xfe")})
        wait_for(lambda: received_all(printer), what="the data at the printer")
        rig.slapd.kill()                             # the charge goes to the journal
        try:
            assert rig.cups.wait_job(queue, job_id).state == "completed"
        finally:
            rig.slapd.restart()
    assert len(_pending(journal)) == 1
    other = rig.queue()
    printers.add_printer(rig.d, other)
    quotas.add_user_quota(rig.d, "alice", other)
    next_job = rig.print(other, 2)                   # on another queue: it replays the journal first
    assert next_job.state == "completed", next_job.message
    assert rig.counter("alice", other) == 2 and rig.counter("alice", queue) == 1
    assert _pending(journal) == []
    done = _replay(rig, cups_home)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr


def _forbid_marks(rig):
    rig.slapd.ldapmodify("dn: olcDatabase={1}mdb,cn=config\nchangetype: modify\nadd: olcAccess\n"
                         f'olcAccess: {{1}}to attrs=pkAppliedCharge by dn.exact="{SERVICE_DN}" read by * read\n',
                         config=True)


def _allow_marks(rig):
    rig.slapd.ldapmodify("dn: olcDatabase={1}mdb,cn=config\nchangetype: modify\ndelete: olcAccess\n"
                         "olcAccess: {1}\n", config=True)


def test_a_permission_error_during_the_charge_is_named_and_the_charge_waits_for_the_fix(rig, cups_home):
    journal = cups_home / "journal"
    queue = rig.queue()
    managed(rig, queue)
    _forbid_marks(rig)
    job = rig.print(queue, 2)
    assert job.state == "completed"                  # it did print
    log = rig.log(job.id)
    assert "may not write pkAppliedCharge" in log and "ACL" in log, log[-1500:]
    assert "directory lost" not in log
    assert rig.counter("alice", queue) == 0 and len(_pending(journal)) == 1
    assert not (journal / "failed").exists() or list((journal / "failed").iterdir()) == []
    _allow_marks(rig)
    other = rig.queue()
    printers.add_printer(rig.d, other)
    quotas.add_user_quota(rig.d, "alice", other)
    assert rig.print(other, 1).state == "completed"  # replays the kept charge first
    assert rig.counter("alice", queue) == 2 and _pending(journal) == []
