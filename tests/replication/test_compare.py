"""`pkschema replication compare` on two real delta-syncrepl providers (testing.replication).

The lost write of docs/replication.md finding 5 (a provider killed between its data's commit and
its accesslog record) is made deterministically: the provider's accesslog overlay told to log no
writes (olcAccessLogOps: abandon, in its own cn=config, which does not replicate), the write made
online, the overlay set back to `writes`, and one logged write after it so that the two agree on
contextCSN again, as after the crash. (Offline slapmodify, which bypasses overlays too, gives the
entry an entryCSN that no equality filter matches on 2.5.13, so no repair's guard could.) The
providers run with their sync log (PYKOTA_SLAPD_DEBUG=sync) so that a full refresh would show.
One pair of providers for the module; each test uses entries of its own and leaves the two
agreeing."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pykota_ldap.config import settings_for_server
from pykota_ldap.directory import Directory
from pykota_ldap.directory import provider_compare as pcompare
from pykota_ldap.testing.replication import Providers
from pykota_ldap.testing.slapd import ADMIN_DN, ADMIN_PW, SUFFIX

BIN = Path(sys.executable).parent
CODES = f"ou=BillingCodes,ou=PyKota,{SUFFIX}"
JOBS = f"ou=Jobs,ou=PyKota,{SUFFIX}"
QUOTAS = f"ou=UserQuotas,ou=PyKota,{SUFFIX}"


def quota(user: str, counter: int, *marks: str) -> str:
    lines = "".join(f"pkAppliedCharge: {mark}\n" for mark in marks)
    return (f"dn: cn={user}@lab,{QUOTAS}\nobjectClass: pkUserQuota\ncn: {user}@lab\npkUserName: {user}\n"
            f"pkPrinterName: lab\npkPageCounter: {counter}\n{lines}\n")


@pytest.fixture(scope="module")
def providers(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYKOTA_SLAPD_DEBUG", "sync")      # a full refresh would show in each slapd.log
        with Providers() as pair:
            pair.servers[0].ldapadd(quota("alice", 3, "job-a 2026-12-02") + quota("bob", 4, "job-b 2026-12-02")
                                    + f"dn: cn=samemarks,{CODES}\nobjectClass: pkBillingCode\ncn: samemarks\n"
                                    "pkPageCounter: 5\npkBalance: 1000\npkAppliedCharge: job-c 2026-12-02\n")
            pair.wait_converged(30)
            pair.secret = tmp_path_factory.mktemp("compare") / "admin.pw"
            with open(os.open(pair.secret, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as handle:
                handle.write(ADMIN_PW)
            yield pair


def lost_write(providers: Providers, index: int, ldif: str) -> None:
    """A write in provider `index`'s data that its accesslog never records (finding 5)."""
    server = providers.servers[index]
    out = server._run(["ldapsearch", "-LLL", "-o", "ldif-wrap=no", "-Q", "-Y", "EXTERNAL", "-H", server.ldapi,
                       "-b", "cn=config", "(objectClass=olcAccessLogConfig)", "1.1"])
    overlay = out.split("dn: ", 1)[1].split("\n", 1)[0]
    logging = f"dn: {overlay}\nchangetype: modify\nreplace: olcAccessLogOps\nolcAccessLogOps: %s\n"
    server.ldapmodify(logging % "abandon", config=True)
    try:
        server.ldapadd(ldif) if "changetype: add" in ldif else server.ldapmodify(ldif)
    finally:
        server.ldapmodify(logging % "writes", config=True)
    server.ldapmodify(f"dn: {SUFFIX}\nchangetype: modify\nreplace: description\ndescription: after a lost write\n")
    deadline = time.monotonic() + 30
    while not pcompare.csns_agree([{csn.split("#")[2]: csn for csn in providers.context_csn(i)} for i in (0, 1)]):
        assert time.monotonic() < deadline, "the logged write after the lost one did not replicate"
        time.sleep(0.2)


def job(name: str, date: str) -> str:
    return (f"dn: cn={name},{JOBS}\nchangetype: add\nobjectClass: pkJob\ncn: {name}\npkJobId: 7\n"
            f"pkJobDate: {date}\npkUserName: alice\npkPrinterName: lab\npkAction: ALLOW\npkJobSize: 3\n")


def today() -> str:
    return time.strftime("%Y%m%d%H%M%SZ", time.gmtime())


def compare(providers: Providers, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "pkschema"), "replication", "compare", "--providers", ",".join(providers.uris),
                           "-D", ADMIN_DN, "-y", str(providers.secret), "-b", SUFFIX, "--wait", "15", *extra],
                          capture_output=True, text=True, timeout=120)


def value(providers: Providers, index: int, dn: str, attribute: str) -> list[str]:
    out = providers.servers[index].ldapsearch(dn, "(objectClass=*)", attribute, scope="base")
    return sorted(line.split(": ", 1)[1] for line in out.splitlines() if line.startswith(f"{attribute}: "))


def sync_logs(providers: Providers) -> list[int]:
    return [(server.dir / "slapd.log").stat().st_size for server in providers.servers]


def lost_sync(providers: Providers, since: list[int]) -> list[str]:
    found = []
    for server, start in zip(providers.servers, since, strict=True):
        text = (server.dir / "slapd.log").read_bytes()[start:].decode(errors="replace")
        found += [line for line in text.splitlines() if "lost sync" in line]
    return found


def test_a_lost_write_is_found_on_its_side_repaired_and_increments_still_replicate(providers):
    since = sync_logs(providers)
    alice = f"cn=alice@lab,{QUOTAS}"
    lost_write(providers, 1, f"dn: {alice}\nchangetype: modify\nreplace: pkPageCounter\npkPageCounter: 5\n-\n"
                             "add: pkAppliedCharge\npkAppliedCharge: job-a2 2026-12-02\n")
    first, second = providers.uris
    found = compare(providers)
    assert found.returncode == 1, found.stdout + found.stderr
    assert f"differ: {alice}: pkpagecounter: {first} ['3'], {second} ['5']" in found.stdout, found.stdout
    assert f"right: {second}" in found.stdout and "1 differ" in found.stdout, found.stdout
    assert "contextCSNs still differ" not in found.stderr          # same contextCSN, different values

    repaired = compare(providers, "--repair")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert f"repaired: {alice} on {second}" in repaired.stdout and "the providers agree" in repaired.stdout
    for index in (0, 1):
        assert value(providers, index, alice, "pkPageCounter") == ["5"]
        assert value(providers, index, alice, "pkAppliedCharge") == ["job-a 2026-12-02", "job-a2 2026-12-02"]

    providers.partition()                      # both written at once: only increments replayed add up
    for index, step in ((0, 1), (1, 2)):
        providers.servers[index].ldapmodify(f"dn: {alice}\nchangetype: modify\nincrement: pkPageCounter\n"
                                            f"pkPageCounter: {step}\n")
    providers.heal()
    providers.wait_converged(60)
    assert [value(providers, index, alice, "pkPageCounter") for index in (0, 1)] == [["8"], ["8"]]
    assert compare(providers).returncode == 0
    assert lost_sync(providers, since) == []


def charge(providers: Providers, index: int, dn: str, mark: str, pages: int) -> None:
    providers.servers[index].ldapmodify(f"dn: {dn}\nchangetype: modify\nadd: pkAppliedCharge\n"
                                        f"pkAppliedCharge: {mark}\n-\nincrement: pkPageCounter\n"
                                        f"pkPageCounter: {pages}\n")


def test_a_write_applied_twice_after_a_restart_is_found_in_the_accesslog_and_repaired(providers):
    """Finding 6, made without timing a SIGKILL: the first provider restarted with a contextCSN
    from before its last two writes (as a crash leaves it when the checkpoint lags), so that its
    peer sends both back; the first of them touches an entry written again since."""
    since = sync_logs(providers)
    carol = f"cn=carol@lab,{QUOTAS}"
    providers.servers[0].ldapadd(quota("carol", 3, "job-k 2026-12-02"))
    providers.wait_converged(30)
    behind = [csn for csn in providers.context_csn(0) if "#001#" in csn]
    charge(providers, 0, carol, "job-k2 2026-12-02", 2)
    charge(providers, 0, carol, "job-k3 2026-12-02", 1)
    providers.wait_converged(30)
    server = providers.servers[0]
    providers.down(0)
    csns = [csn for csn in providers.context_csn(1) if "#001#" not in csn] + behind
    subprocess.run(["slapmodify", "-n1", "-F", str(server.dir / "slapd.d")], check=True, capture_output=True,
                   input=f"dn: {SUFFIX}\nchangetype: modify\nreplace: contextCSN\n"
                         + "".join(f"contextCSN: {csn}\n" for csn in csns), text=True)
    providers.up(0)
    deadline = time.monotonic() + 30
    while value(providers, 0, carol, "pkPageCounter") != ["8"]:       # slapd 2.5.13 counts job-k2 again
        assert time.monotonic() < deadline, value(providers, 0, carol, "pkPageCounter")
        time.sleep(0.2)
    assert value(providers, 1, carol, "pkPageCounter") == ["6"]
    found = compare(providers)
    assert found.returncode == 1, found.stdout + found.stderr
    assert f"right: {providers.uris[1]} (a write applied twice on the other provider" in found.stdout, found.stdout
    repaired = compare(providers, "--repair")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert f"repaired: {carol} on {providers.uris[1]}" in repaired.stdout
    for index in (0, 1):
        assert value(providers, index, carol, "pkPageCounter") == ["6"]
    assert lost_sync(providers, since) == []

    # later, an admin's reset (a replace, no mark) never logged on p1: the duplicate still in p1's
    # log is settled by the repair's replace and does not account for this difference: left alone
    lost_write(providers, 0, f"dn: {carol}\nchangetype: modify\nreplace: pkPageCounter\npkPageCounter: 0\n")
    done = compare(providers, "--repair")
    assert done.returncode == 1 and "not repairable automatically (same marks on both)" in done.stdout, done.stdout
    assert [value(providers, index, carol, "pkPageCounter") for index in (0, 1)] == [["0"], ["6"]]
    lost_write(providers, 1, f"dn: {carol}\nchangetype: modify\nreplace: pkPageCounter\npkPageCounter: 0\n")


def test_equal_marks_with_different_values_are_reported_not_repaired(providers):
    code = f"cn=samemarks,{CODES}"
    change = f"dn: {code}\nchangetype: modify\nreplace: pkBalance\npkBalance: 900\n"
    lost_write(providers, 0, change)
    done = compare(providers, "--repair")
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"differ: {code}: pkbalance: {providers.uris[0]} ['900'], {providers.uris[1]} ['1000']" in done.stdout
    assert "not repairable automatically (same marks on both)" in done.stdout and "\nrepaired:" not in done.stdout
    assert [value(providers, index, code, "pkBalance") for index in (0, 1)] == [["900"], ["1000"]]
    lost_write(providers, 1, change)           # by hand, as the output says: the same values on both
    assert compare(providers).returncode == 0


def test_an_entry_on_one_side_only_is_reported_and_left_alone(providers):
    code = f"cn=onlyhere,{CODES}"
    lost_write(providers, 0, f"dn: {code}\nchangetype: add\nobjectClass: pkBillingCode\ncn: onlyhere\n")
    done = compare(providers, "--repair")
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"only on {providers.uris[0]}: {code}" in done.stdout and "re-seed" in done.stdout
    assert "1 on one side only, 0 repaired: differences remain" in done.stdout
    assert providers.servers[1].ldapsearch(CODES, "(cn=onlyhere)", "cn").strip() == ""
    lost_write(providers, 0, f"dn: {code}\nchangetype: delete\n")
    assert compare(providers).returncode == 0


def test_a_recent_job_entry_on_one_side_only_is_added_back_for_its_peer_without_a_full_refresh(providers):
    since = sync_logs(providers)
    entry = f"cn=lab-lost,{JOBS}"
    lost_write(providers, 1, job("lab-lost", today()))
    assert providers.servers[0].ldapsearch(JOBS, "(cn=lab-lost)", "cn").strip() == ""
    found = compare(providers)
    assert found.returncode == 1, found.stdout + found.stderr
    assert f"only on {providers.uris[1]}: {entry} (a job entry whose add was never logged" in found.stdout
    repaired = compare(providers, "--repair")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert f"repaired: {entry} on {providers.uris[1]}: deleted and added back" in repaired.stdout
    assert "1 repaired: the providers agree" in repaired.stdout, repaired.stdout
    for index in (0, 1):
        assert value(providers, index, entry, "pkJobSize") == ["3"]
        assert value(providers, index, entry, "pkJobId") == ["7"]
    alice = f"cn=alice@lab,{QUOTAS}"                    # the log still replays increments, both ways
    before = int(value(providers, 0, alice, "pkPageCounter")[0])
    for index in (0, 1):
        providers.servers[index].ldapmodify(f"dn: {alice}\nchangetype: modify\nincrement: pkPageCounter\n"
                                            "pkPageCounter: 1\n")
    providers.wait_converged(60)
    assert [value(providers, index, alice, "pkPageCounter") for index in (0, 1)] == [[str(before + 2)]] * 2
    assert lost_sync(providers, since) == []


def test_a_job_entry_older_than_the_accesslogs_on_one_side_only_is_left_alone(providers):
    entry = f"cn=lab-old,{JOBS}"
    lost_write(providers, 0, job("lab-old", "20250101120000Z"))     # perhaps a purge's delete lost on p2
    done = compare(providers, "--repair")
    assert done.returncode == 1 and "older than the accesslogs" in done.stdout and "\nrepaired:" not in done.stdout
    assert providers.servers[1].ldapsearch(JOBS, "(cn=lab-old)", "cn").strip() == ""
    lost_write(providers, 0, f"dn: {entry}\nchangetype: delete\n")
    assert compare(providers).returncode == 0


def test_a_purged_job_whose_delete_was_lost_on_one_side_is_not_brought_back(providers):
    """A purge of recent history (pkhistory --purge-before allows any past date) whose delete one
    provider never logged: the add of the job is in both logs, so it is not a lost add."""
    entry = f"cn=lab-purged,{JOBS}"
    providers.servers[0].ldapadd(job("lab-purged", today()))
    providers.wait_converged(30)
    lost_write(providers, 0, f"dn: {entry}\nchangetype: delete\n")
    done = compare(providers, "--repair")
    assert done.returncode == 1 and "its add is in the accesslog" in done.stdout, done.stdout
    assert "\nrepaired:" not in done.stdout
    assert providers.servers[0].ldapsearch(JOBS, "(cn=lab-purged)", "cn").strip() == ""
    lost_write(providers, 1, f"dn: {entry}\nchangetype: delete\n")    # the purge, by hand on the other
    assert compare(providers).returncode == 0


def test_a_job_date_the_compare_cannot_read_is_reported_not_a_traceback():
    snapshot = pcompare.Snapshot()
    key = f"cn=lab-frac,{JOBS}".lower()
    snapshot.entries[key] = {"pkjobdate": ["202612011200,5Z"]}      # GeneralizedTime allows a fraction of minute
    snapshot.spelled[key], snapshot.stamps[key], snapshot.classes[key] = key, "x", {"pkjob"}
    [lost] = pcompare.compare((snapshot, pcompare.Snapshot())).only
    assert lost.job and lost.date is None and not lost.recreate


def test_a_job_entry_written_since_the_compare_read_it_is_not_re_created(providers):
    since = sync_logs(providers)
    entry = f"cn=lab-refunded,{JOBS}"
    lost_write(providers, 0, job("lab-refunded", today()))
    directories = [Directory(settings_for_server(uri, ADMIN_DN, ADMIN_PW)).connect() for uri in providers.uris]
    try:
        found = pcompare.compare((pcompare.read_data(directories[0], SUFFIX),
                                  pcompare.read_data(directories[1], SUFFIX)))
        pcompare.explain_by_log(directories, found)
        [lost] = found.only
        assert lost.recreate and lost.side == 0
        # a refund after the read (unlogged too: a logged write to an entry the peer lacks sends the
        # peer to a full refresh, which heals this one and loses increments: docs/replication.md)
        lost_write(providers, 0, f"dn: {entry}\nchangetype: modify\nreplace: pkAction\npkAction: REFUND\n")
        assert "changed since it was read" in (pcompare.recreate(directories[0], lost) or "")
    finally:
        for directory in directories:
            directory.close()
    assert value(providers, 0, entry, "pkAction") == ["REFUND"]       # not deleted
    done = compare(providers, "--repair")                               # read again: the refund travels with it
    assert done.returncode == 0, done.stdout + done.stderr
    assert [value(providers, index, entry, "pkAction") for index in (0, 1)] == [["REFUND"], ["REFUND"]]
    assert lost_sync(providers, since) == []


def test_a_repair_never_overwrites_a_write_made_since_the_compare_read_the_entry(providers):
    bob = f"cn=bob@lab,{QUOTAS}"
    lost_write(providers, 1, f"dn: {bob}\nchangetype: modify\nreplace: pkPageCounter\npkPageCounter: 6\n-\n"
                             "add: pkAppliedCharge\npkAppliedCharge: job-b2 2026-12-02\n")
    directories = [Directory(settings_for_server(uri, ADMIN_DN, ADMIN_PW)).connect() for uri in providers.uris]
    try:
        found = pcompare.compare((pcompare.read_data(directories[0], SUFFIX),
                                  pcompare.read_data(directories[1], SUFFIX)))
        [diff] = found.differing
        assert diff.right == 1
        # a job charges bob on the right provider after the read: a new mark, nothing else (an empty
        # job): only the entryCSN in the guard sees it, the values read are all still there
        providers.servers[1].ldapmodify(f"dn: {bob}\nchangetype: modify\nadd: pkAppliedCharge\n"
                                        "pkAppliedCharge: job-b3 2026-12-02\n")
        assert "changed since it was read" in (pcompare.repair(directories[1], diff) or "")
    finally:
        for directory in directories:
            directory.close()
    marks = ["job-b 2026-12-02", "job-b2 2026-12-02", "job-b3 2026-12-02"]
    assert value(providers, 1, bob, "pkAppliedCharge") == marks
    time.sleep(1)                               # the job's write replicates: p1 has it too, not the lost one
    done = compare(providers, "--repair")
    assert done.returncode == 0, done.stdout + done.stderr
    for index in (0, 1):
        assert value(providers, index, bob, "pkPageCounter") == ["6"]
        assert value(providers, index, bob, "pkAppliedCharge") == marks


def test_bad_arguments_are_one_line(providers, tmp_path):
    shared = tmp_path / "shared.pw"
    shared.write_text(ADMIN_PW)
    shared.chmod(0o644)
    both = ",".join(providers.uris)
    for args, said in ((["-D", ADMIN_DN, "--providers", providers.uris[0]], "two URLs"),
                       (["-D", ADMIN_DN, "--providers", both, "-y", str(shared)], "readable by other users"),
                       (["--providers", both], "no pykota-ldap entry readable")):      # anonymous reads none
        done = subprocess.run([str(BIN / "pkschema"), "replication", "compare", "-b", SUFFIX, *args],
                              capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        assert done.returncode == 1 and len(done.stderr.splitlines()) == 1 and said in done.stderr, done.stderr


def test_accesslog_modification_lines_are_read_as_slapd_writes_them():
    from pykota_ldap.directory import provider_log
    record = provider_log._parse({"reqmod": ["pkPageCounter:# 2", "pkBalance:# -150", "pkAppliedCharge:+ job-x",
                                             "pkSoftLimit:= 10", "pkHardLimit:-", "entryCSN:= 2026", "garbled"],
                                  "objectclass": ["auditModify"], "entrycsn": ["c1"], "reqstart": ["s1"]})
    assert record.increments == {"pkpagecounter": 2, "pkbalance": -150}
    assert record.replaced == {"pksoftlimit", "pkhardlimit"} and not record.added
