"""pkdoctor against the real rig (slapd, cupsd, a printer): a healthy set-up passes; each broken
piece is named on one line with its fix, and pkdoctor changes no data while it probes."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pykota_ldap.directory import accounts, printers, quotas
from pykota_ldap.testing.slapd import SERVICE_DN

PEOPLE = "ou=People,dc=example,dc=org"
ACL = "schema/pykota-ldap-acl.ldif"


def pkdoctor(rig, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYKOTA_HOME": str(rig.home), "CUPS_SERVER": rig.cups.host}
    bin_dir = Path(sys.executable).parent
    return subprocess.run([str(bin_dir / "pkdoctor"), "--config-uri", rig.slapd.ldapi, *args], env=env,
                          capture_output=True, text=True, timeout=120)


def entries(rig) -> list[str]:
    """Every entry as LDIF, in DN order (slapd's own order may change after an add and delete)."""
    return sorted(rig.slapd.ldapsearch("dc=example,dc=org").strip().split("\n\n"))


def problems(done: subprocess.CompletedProcess) -> list[str]:
    return [line for line in done.stdout.splitlines() if line.startswith("problem: ")]


@pytest.fixture
def healthy(rig):
    """A set-up with nothing to fix: the stock rig (the shipped ACL keeps anonymous binds out), data
    in the directory, the queue routed and known."""
    queue = rig.queue(prefix="doc")
    printers.add_printer(rig.d, queue)
    accounts.attach_user(rig.d, "alice", balance=5000)
    accounts.attach_group(rig.d, "eleves")
    quotas.add_user_quota(rig.d, "alice", queue, hard=100)
    yield queue
    rig.cups.run("lpadmin", "-h", rig.cups.host, "-x", queue)


def test_a_healthy_setup_passes_and_nothing_changes(rig, healthy):
    before = entries(rig)
    done = pkdoctor(rig)
    assert done.returncode == 0, done.stdout + done.stderr
    assert problems(done) == [] and done.stderr == ""
    for expected in ("ok: the service account (storageadmin) cn=pykota,ou=PyKota,dc=example,dc=org binds to",
                     "ok: the service account may make every write the backend and the commands make",
                     "ok: anonymous binds read none of the print data",
                     "ok: olcDatabase={1}mdb,cn=config has the indexes of pykota-ldap-indexes.ldif",
                     "ok: olcDatabase={1}mdb,cn=config is not replicated: counters stay exact",
                     "ok: 1 CUPS queue, every one through cupspykota"):
        assert any(line.startswith(expected) for line in done.stdout.splitlines()), (expected, done.stdout)
    assert entries(rig) == before                                    # probes changed nothing, left nothing
    assert pkdoctor(rig, "-q").stdout == ""


def test_an_attribute_left_out_of_the_acl_is_named_with_the_entry(rig, healthy):
    rig.slapd.ldapmodify("dn: olcDatabase={1}mdb,cn=config\nchangetype: modify\nadd: olcAccess\n"
                         f"olcAccess: {{0}}to attrs=pkBalance by dn.exact=\"{SERVICE_DN}\" read by * break\n",
                         config=True)
    before = entries(rig)
    done = pkdoctor(rig, "-q")
    assert done.returncode == 1
    assert problems(done) == [
        f"problem: the service account {SERVICE_DN} may not write pkBalance on uid=alice,{PEOPLE}; fix: give "
        f"{SERVICE_DN} write access to pkBalance on the entries under {PEOPLE} in the ACL (see {ACL})",
        f"problem: the service account {SERVICE_DN} may not write pkBalance on entries under "
        "ou=BillingCodes,ou=PyKota,dc=example,dc=org; fix: give "
        f"{SERVICE_DN} write access to pkBalance on the entries under ou=BillingCodes,ou=PyKota,dc=example,dc=org "
        f"in the ACL (see {ACL})"]
    assert entries(rig) == before


def test_entries_that_may_not_be_added_are_named_by_base(rig, healthy):
    jobs = "ou=Jobs,ou=PyKota,dc=example,dc=org"
    rig.slapd.ldapmodify("dn: olcDatabase={1}mdb,cn=config\nchangetype: modify\nadd: olcAccess\n"
                         f"olcAccess: {{0}}to dn.base=\"{jobs}\" attrs=children by dn.exact=\"{SERVICE_DN}\" read "
                         "by * break\n", config=True)
    assert problems(pkdoctor(rig)) == [
        f"problem: the service account {SERVICE_DN} may not add entries under {jobs}; fix: give {SERVICE_DN} "
        f"write access to the children of {jobs} and to its entries in the ACL (see {ACL})"]


def test_a_missing_index(rig, healthy):
    rig.slapd.ldapmodify("dn: olcDatabase={1}mdb,cn=config\nchangetype: modify\ndelete: olcDbIndex\n"
                         "olcDbIndex: pkJobDate eq\n", config=True)
    assert problems(pkdoctor(rig)) == [
        "problem: olcDatabase={1}mdb,cn=config has no eq index on pkJobDate: every job's lookups scan the database; "
        "fix: ldapmodify -Q -Y EXTERNAL -H ldapi:/// with 'dn: olcDatabase={1}mdb,cn=config', 'add: olcDbIndex', "
        "'olcDbIndex: pkJobDate eq'"]


def test_an_unknown_key(rig, healthy):
    rig.configure("enforcment: strict\n")
    (rig.home / "pykota.conf").chmod(0o640)
    done = pkdoctor(rig)
    assert done.returncode == 1
    assert problems(done) == [f"problem: {rig.home}/pykota.conf [global]: unknown key 'enforcment' "
                              "(did you mean 'enforcement'?)"]


def test_a_queue_not_routed_through_cupspykota(rig, healthy):
    rig.cups.add_queue("free", rig.printer.uri)
    try:
        assert problems(pkdoctor(rig)) == [
            f"problem: CUPS queue free prints to {rig.printer.uri} without cupspykota: its jobs are neither checked "
            f"nor charged; fix: pkprinters -a -C free (or lpadmin -p free -v cupspykota:{rig.printer.uri})"]
    finally:
        rig.cups.run("lpadmin", "-h", rig.cups.host, "-x", "free")


def test_a_charge_set_aside_in_the_journal(rig, healthy):
    failed = rig.home / "journal" / "failed"
    failed.mkdir(parents=True, exist_ok=True)
    (failed / "hp4-20261201-1.json").write_text("{}")
    (failed / "hp4-20261201-1.json.reason").write_text("unreadable: not a charge\n")
    try:
        assert problems(pkdoctor(rig)) == [
            f"problem: {failed}/hp4-20261201-1.json: a charge set aside: unreadable: not a charge; fix: see why, "
            f"fix it, move the file back to {rig.home}/journal and run cupspykota --replay (or make the charge by "
            "hand and delete the file)"]
    finally:
        for path in failed.iterdir():
            path.unlink()


def test_a_reader_password_readable_by_everyone(rig, healthy):
    rig.configure("storageuser: cn=pykota,ou=PyKota,dc=example,dc=org\nstorageuserpw: pykota-service\n")
    (rig.home / "pykota.conf").chmod(0o644)
    assert problems(pkdoctor(rig)) == [
        f"problem: {rig.home}/pykota.conf is readable by everyone and holds storageuserpw: any local user can bind "
        "as the reader and read everyone's jobs and balances; fix: remove storageuserpw (users' own commands ask the "
        f"resident helper), or chmod o-r {rig.home}/pykota.conf"]


def test_a_resident_helper_socket_nobody_answers(rig, healthy):
    import socket
    path = rig.home / "cupspykota.sock"
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(path))
    stale.close()                                   # the file stays, nobody listens: a helper that died
    try:
        fix = "restart it (systemctl restart cupspykota, or cupspykota --serve)"
        assert problems(pkdoctor(rig)) == [
            f"problem: {path}: the resident helper does not answer (Connection refused): jobs are run without it; "
            f"fix: {fix}",
            f"problem: {rig.home}/query.sock: the resident helper does not answer (absent): users' own commands "
            f"cannot be answered; fix: {fix}"]
    finally:
        path.unlink()


def test_a_routed_queue_the_directory_does_not_know(rig, healthy):
    queue = rig.queue(prefix="unknown")
    try:
        assert problems(pkdoctor(rig)) == [
            f"problem: CUPS queue {queue} goes through cupspykota but is not in the directory: its jobs are refused, "
            f"or printed unaccounted (policy); fix: pkprinters -a {queue}"]
    finally:
        rig.cups.run("lpadmin", "-h", rig.cups.host, "-x", queue)


def test_without_a_configuration_the_one_problem_is_said(tmp_path):
    env = {**os.environ, "PYKOTA_HOME": str(tmp_path)}
    done = subprocess.run([str(Path(sys.executable).parent / "pkdoctor")], env=env, capture_output=True, text=True)
    assert (done.returncode, done.stdout, done.stderr) == (
        1, f"problem: {tmp_path}/pykota.conf: file not found (set PYKOTA_HOME or create it)\n", "")
