"""Hostile PostScript against the real Ghostscript: nothing outside the job.

Each attack job prints one page, then tries its attack inside ``stopped``
and prints a second page only if the attack worked, so the count itself
tells whether the interpreter could read, list, write or allocate. Messages
must never carry what the job saw: the error a user gets is one fixed line.
"""

from __future__ import annotations

import os
import resource
import tempfile
import time

import pytest

from pykota_ldap.accounting.pdl import PDLError, count_pages
from pykota_ldap.accounting.pdl.ink import ink_coverage

from .conftest import need

SECRET = "TOP-SECRET-PAYROLL-4711"


def attack(code: str) -> bytes:
    """One page, then ``code``; a second page only if ``code`` worked."""
    return f"%!\nshowpage\n{{ {code}\nshowpage }} stopped pop\n".encode()


def ps_string(text: str) -> str:
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


@pytest.fixture
def secret_files(tmp_path):
    """Another user's job next to ours in the spool directory, a copy in the
    system temporary directory (where counters used to leave theirs) and a
    root-only file: all hold SECRET."""
    need("gs")
    spool = tmp_path / "spool"
    spool.mkdir()
    sibling = spool / "d00041-001"
    sibling.write_text(f"%!PS {SECRET}\n")
    sibling.chmod(0o640)
    fd, copy = tempfile.mkstemp(prefix="pkpgcounter-", suffix=".ps")
    os.write(fd, f"%!PS {SECRET}\n".encode())
    os.close(fd)
    root_only = spool / "root-only"
    root_only.write_text(SECRET)
    root_only.chmod(0o600)
    yield {"sibling": str(sibling), "temp copy": copy, "root only": str(root_only), "shadow": "/etc/shadow"}
    os.unlink(copy)


def counted(spool_job, data: bytes, timeout: float = 30):
    spool_job.write_bytes(data)
    return count_pages(spool_job, timeout=timeout)


@pytest.fixture
def spool_job(tmp_path):
    (tmp_path / "spool").mkdir(exist_ok=True)
    return tmp_path / "spool" / "d00042-001"


@pytest.mark.parametrize("target", ["sibling", "temp copy", "root only", "shadow"])
def test_cannot_read_other_files(secret_files, spool_job, target):
    if target == "root only" and os.geteuid() != 0:
        pytest.skip("only root can make a file the interpreter's account must not read")
    code = f"{ps_string(secret_files[target])} (r) file 64 string readstring pop pop"
    assert counted(spool_job, attack(code)).pages == 1


def test_cannot_read_its_own_spool_file_by_name(secret_files, spool_job):
    code = f"{ps_string(str(spool_job))} (r) file 64 string readstring pop pop"
    assert counted(spool_job, attack(code)).pages == 1


@pytest.mark.parametrize("pattern", ["*", tempfile.gettempdir() + "/*", "/tmp/*", "%s/*"])
def test_cannot_list_other_jobs(secret_files, spool_job, pattern):
    """Listing a directory must not show the other jobs' files (at most the
    job's own cell)."""
    if pattern == "%s/*":
        pattern = os.path.dirname(secret_files["sibling"]) + "/*"
    marks = " ".join(ps_string(os.path.basename(path)) for path in secret_files.values())
    code = (f"false {ps_string(pattern)} {{ [ {marks} ] {{ 1 index exch search"
            " { pop pop pop exch pop true exch } { pop } ifelse } forall pop }"
            " 4096 string filenameforall not { stop } if")
    assert counted(spool_job, attack(code)).pages == 1


@pytest.mark.parametrize("where", ["relative", "temp", "spool"])
def test_cannot_write_files(secret_files, spool_job, where):
    target = {"relative": "planted.ps", "temp": os.path.join(tempfile.gettempdir(), "pkpg-planted.ps"),
              "spool": str(spool_job.parent / "planted.ps")}[where]
    code = f"{ps_string(target)} (w) file dup (planted) writestring closefile"
    try:
        assert counted(spool_job, attack(code)).pages == 1
        assert not os.path.exists(target)
        assert not os.path.exists(spool_job.parent / "planted.ps")
    finally:
        for leftover in (target, str(spool_job.parent / "planted.ps")):
            if os.path.isabs(leftover) and os.path.exists(leftover):
                os.unlink(leftover)


def test_cannot_write_256_mb(secret_files, spool_job):
    target = os.path.join(tempfile.gettempdir(), "pkpg-big.bin")
    code = (f"{ps_string(target)} (w) file 1048576 string"
            " 256 { 2 copy writestring } repeat pop closefile")
    try:
        started = time.monotonic()
        assert counted(spool_job, attack(code)).pages == 1
        assert not os.path.exists(target)
        assert time.monotonic() - started < 20
    finally:
        if os.path.exists(target):
            os.unlink(target)


def test_cannot_allocate_gigabytes(secret_files, spool_job):
    """64 strings of 16 MB are beyond the memory limit."""
    assert counted(spool_job, attack("[ 64 { 16000000 string } repeat ] pop")).pages == 1


def test_flooding_standard_output_does_not_flood_the_counter(secret_files, spool_job):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    data = b"%!\n1048576 string 256 { dup print } repeat pop showpage\n"
    try:
        counted(spool_job, data)
    except PDLError as exc:
        assert "\n" not in str(exc)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100 * 1024


def test_endless_loop_is_stopped(secret_files, spool_job):
    started = time.monotonic()
    with pytest.raises(PDLError, match="time limit"):
        counted(spool_job, b"%!\nshowpage { } loop\n", timeout=3)
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("leak", ["cvn cvx exec", "print flush undefined-operator", "= flush 1 0 div"])
def test_what_the_job_read_never_reaches_a_message(secret_files, spool_job, leak):
    """Read another job (if it can), then fail with it on the stack, in the
    offending command or on standard output: the user sees one fixed line."""
    reads = " ".join(f"{{ {ps_string(path)} (r) file 64 string readstring pop {leak} }} stopped pop"
                     for path in secret_files.values())
    spool_job.write_bytes(f"%!\n{reads}\n(VISIBLE-{SECRET}) cvn cvx exec\n".encode())
    with pytest.raises(PDLError) as failure:
        count_pages(spool_job, timeout=30)
    assert SECRET not in str(failure.value)
    assert str(failure.value) == "Ghostscript could not interpret this job (it printed no page)"


def test_ink_coverage_runs_in_the_same_cell(secret_files, spool_job):
    code = f"{ps_string(secret_files['sibling'])} (r) file 64 string readstring pop pop"
    spool_job.write_bytes(attack(code))
    assert len(ink_coverage(spool_job, "cmyk", 72, timeout=30)) == 1
