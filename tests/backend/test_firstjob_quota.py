"""Quota entries of the [sync] printers made by the backend at a user's first job there
(`quotaentries: firstjob`, the default): through cupsd, after a real pksync has attached the
accounts (and written no quota entry)."""
from __future__ import annotations

from pykota_ldap.backend import firstquota
from pykota_ldap.config import Config
from pykota_ldap.directory import accounts, printers, quotas
from pykota_ldap.directory.jobcontext import load_job_context
from pykota_ldap.quote import Verdict, quote

from .money_helpers import BASE, entries, run_command

RULE = "limitby: quota\nsoftlimit: 3\nhardlimit: 4\n"


def _sync(rig, sync: str = "printers: *\n", **more: str) -> None:
    rig.configure(**{"sync": sync, "sync:eleves": RULE, **more})
    done = run_command(rig.home, "pksync")
    assert done.returncode == 0, done.stderr


def _entries(rig, user: str) -> dict[str, dict[str, str]]:
    return {e["pkPrinterName"]: e for e in entries(rig.slapd.ldapsearch(
        f"ou=UserQuotas,ou=PyKota,{BASE}", f"(pkUserName={user})", "pkPrinterName", "pkSoftLimit", "pkHardLimit",
        "pkPageCounter"))}


def test_the_first_job_creates_the_entry_from_the_rule_and_is_judged_by_its_limits(rig):
    queue = rig.queue()
    printers.add_printer(rig.d, queue)
    rig.configure(**{"sync": "printers: *\n", "sync:eleves": RULE, queue: "enforcement: strict"})
    assert run_command(rig.home, "pksync").returncode == 0
    assert _entries(rig, "alice") == {}                       # pksync attached alice, wrote no entry

    denied = rig.print(queue, 5)                              # strict: 5 pages pass the rule's hard limit 4
    assert denied.state == "canceled", denied.message
    entry = _entries(rig, "alice")[queue]
    assert (entry["pkSoftLimit"], entry["pkHardLimit"], entry["pkPageCounter"]) == ("3", "4", "0")

    job = rig.print(queue, 2)
    assert job.state == "completed", job.message
    assert rig.counter("alice", queue) == 2
    assert [j["pkAction"] for j in rig.jobs(queue)] == ["DENY", "ALLOW"]


def test_two_first_jobs_at_once_make_one_entry_and_both_are_charged_on_it(rig):
    first, second = rig.queue(), rig.queue()
    for name in (first, second):
        printers.add_printer(rig.d, name)
    floor = printers.add_printer(rig.d, f"floor-{first}")
    rig.d.add_values(floor.dn, "member", [printers.printer_dn(rig.d, first), printers.printer_dn(rig.d, second)])
    _sync(rig, sync=f"printers: {floor.name}\n")              # a printer group brings its members

    jobs = [(q, rig.print(q, 2, user="bob", wait=False)) for q in (first, second)]
    assert [rig.cups.wait_job(q, j).state for q, j in jobs] == ["completed", "completed"]
    found = _entries(rig, "bob")
    assert sorted(found) == sorted([first, second, floor.name])      # the group's entry made once
    assert rig.counter("bob", floor.name) == 4                        # and both jobs counted on it
    assert rig.counter("bob", first) == 2 == rig.counter("bob", second)
    assert {(e["pkSoftLimit"], e["pkHardLimit"]) for e in found.values()} == {("3", "4")}


def test_users_and_printers_no_rule_covers_are_refused_as_before(rig):
    covered, other = rig.queue(), rig.queue(prefix="x")
    for name in (covered, other):
        printers.add_printer(rig.d, name)
    _sync(rig, sync="userfilter: (&(objectClass=posixAccount)(!(uid=charles))(!(uid=quidam)))\nprinters: q*\n")
    accounts.attach_user(rig.d, "charles", limit_by="quota")          # by hand, outside userfilter

    outside = rig.print(covered, 1, user="charles")
    assert outside.state == "canceled" and "charles has no quota entry" in outside.message
    elsewhere = rig.print(other, 1, user="alice")                      # alice is ruled, not on this printer
    assert elsewhere.state == "canceled" and "alice has no quota entry" in elsewhere.message
    unmanaged = rig.print(covered, 1, user="quidam")                   # outside userfilter: no pkAccount
    assert unmanaged.state == "canceled" and "quidam is not managed" in unmanaged.message
    assert _entries(rig, "charles") == {} and _entries(rig, "quidam") == {}
    assert list(_entries(rig, "alice")) == []


def test_upfront_mode_leaves_entries_to_pksync_as_before(rig):
    queue = rig.queue()
    printers.add_printer(rig.d, queue)
    _sync(rig, sync="printers: *\nquotaentries: upfront\n")
    entry = _entries(rig, "alice")[queue]                              # written by pksync
    assert (entry["pkSoftLimit"], entry["pkHardLimit"]) == ("3", "4")
    rig.slapd.ldapmodify(f"dn: cn=alice@{queue},ou=UserQuotas,ou=PyKota,{BASE}\nchangetype: delete\n")

    refused = rig.print(queue, 1)                                      # the backend makes none
    assert refused.state == "canceled" and "alice has no quota entry" in refused.message
    assert _entries(rig, "alice") == {}


def test_a_first_job_that_loses_the_race_reads_the_entry_the_other_one_made(rig):
    queue = rig.queue()
    printers.add_printer(rig.d, queue)
    _sync(rig)
    stale = load_job_context(rig.d, "alice", queue)                    # read before the other job's add
    assert stale.own_quota is None
    quotas.add_user_quota(rig.d, "alice", queue, soft=3, hard=4)      # the other first job, in between

    # Our add finds the entry there (AlreadyExists): still reported, so decide() reads it again.
    assert firstquota.create_missing(Config(rig.home), rig.d, stale) == [queue]
    assert len(_entries(rig, "alice")) == 1
    assert firstquota.create_missing(Config(rig.home), rig.d, load_job_context(rig.d, "alice", queue)) == []


def test_a_quote_before_the_first_job_judges_by_the_rule_and_writes_nothing(rig):
    queue = rig.queue()
    printers.add_printer(rig.d, queue, price_per_page=100)
    rig.configure(**{"sync": "printers: *\n", "sync:eleves": RULE, queue: "enforcement: strict"})
    assert run_command(rig.home, "pksync").returncode == 0
    config = Config(rig.home)

    [refused] = quote(config, rig.d, "alice", 5, [queue]).printers       # the rule's hard limit is 4
    [priced] = quote(config, rig.d, "alice", 2, [queue]).printers
    assert (refused.verdict, priced.verdict, priced.price) == (Verdict.REFUSED, Verdict.PRICE, 200)
    assert _entries(rig, "alice") == {}


def test_the_first_job_reads_the_user_s_rule_as_pksync_does(rig):
    """A memberUid written in another case is a member for pksync and the listings (names compare
    without case): the first job must take that group's rule too, not the laxer defaults."""
    queue = rig.queue()
    printers.add_printer(rig.d, queue)
    rig.slapd.ldapmodify(f"dn: cn=eleves,ou=Groups,{BASE}\nchangetype: modify\ndelete: memberUid\nmemberUid: alice\n"
                         f"-\nadd: memberUid\nmemberUid: ALICE\n")
    rig.configure(**{"sync": "printers: *\nlimitby: noquota\n", "sync:eleves": RULE, queue: "enforcement: strict"})
    assert run_command(rig.home, "pksync").returncode == 0
    listed = run_command(rig.home, "edpykota", "-L", "alice")
    assert listed.returncode == 0 and "4" in listed.stdout, listed.stdout

    denied = rig.print(queue, 5)                              # the eleves rule's hard limit is 4
    assert denied.state == "canceled", denied.message
    entry = _entries(rig, "alice")[queue]
    assert (entry["pkSoftLimit"], entry["pkHardLimit"]) == ("3", "4")
