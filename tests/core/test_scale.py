"""What a job reads and writes stays small whatever the directory's size (issue 17), on one real
slapd for the module: a group quota's own counter, exact under concurrent and replayed charges;
the printer groups above a printer read without the others."""
from __future__ import annotations

import threading
from datetime import datetime, timezone

import pytest

from pykota_ldap.config import Config
from pykota_ldap.directory import Directory, accounts, history, printers, quotas
from pykota_ldap.directory.jobcontext import load_job_context
from pykota_ldap.model import Charge, Job
from pykota_ldap.testing.slapd import SUFFIX, Slapd

MEMBERS = ("toto", "ilabusetrop", "alice", "bob")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with Slapd() as server:
        home = server.write_config(tmp_path_factory.mktemp("etc"))
        d = Directory(Config(home).ldap(admin=True)).connect()
        lab = printers.add_printer(d, "lab")
        floor = printers.add_printer(d, "floor")
        building = printers.add_printer(d, "building")
        printers.add_to_group(d, floor, lab)
        printers.add_to_group(d, building, printers.get_printer(d, "floor"))
        for n in range(20):      # groups the job must not read
            other = printers.add_printer(d, f"other{n}")
            printers.add_to_group(d, other, printers.add_printer(d, f"q{n}"))
        for user in MEMBERS:
            accounts.attach_user(d, user)
            quotas.add_user_quota(d, user, "lab")
        accounts.attach_group(d, "eleves")
        quotas.add_group_quota(d, "eleves", "floor", hard=100_000)
        yield home, d, server
        d.close()


def _connect(home) -> Directory:
    return Directory(Config(home).ldap(admin=True)).connect()


def _charge(d: Directory, user: str, n: int, pages: int) -> Charge:
    context = load_job_context(d, user, "lab")
    job = Job(job_id=str(n), user=user, printer="lab", date=datetime.now(timezone.utc), action="ALLOW", size=pages)
    return Charge(f"lab-{user}-{n}", job, quota_dns=tuple(q.dn for q in context.user_quotas) +
                  tuple(context.group_counters), pages=pages)


def test_the_job_reads_only_its_printer_groups(site):
    home, d, _ = site
    context = load_job_context(d, "alice", "lab")
    assert [p.name for p in context.chain] == ["lab", "floor", "building"]
    assert {p.name for p in printers.printer_and_groups(d, "lab").values()} == {"lab", "floor", "building"}


def test_group_counter_is_exact_after_concurrent_and_replayed_charges(site):
    home, d, _ = site
    before = load_job_context(d, "alice", "lab").groups[0].quotas[0].page_counter
    charges_per_member, pages = 15, 3
    failures: list[BaseException] = []

    def member_prints(user: str) -> None:
        conn = _connect(home)
        try:
            for n in range(charges_per_member):
                charge = _charge(conn, user, n, pages)
                assert history.charge_job(conn, charge) is True
                assert history.charge_job(conn, charge) is False        # a replay counts nothing
        except BaseException as exc:   # reported by the main thread
            failures.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=member_prints, args=(user,)) for user in MEMBERS]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures
    expected = before + len(MEMBERS) * charges_per_member * pages
    dn = quotas.group_quota_dn(d, "eleves", "floor")
    entry = d.read(dn, ["pkPageCounter", "pkLifePageCounter"])
    assert entry == {"pkpagecounter": [str(expected)], "pklifepagecounter": [str(expected)]}
    [group] = load_job_context(d, "bob", "lab").groups
    assert group.quotas[0].page_counter == expected


def test_a_group_quota_check_does_not_read_the_members(site):
    home, d, _ = site
    big = [f"student{n:05d}" for n in range(3000)]
    before = d.operations
    load_job_context(d, "alice", "lab")
    small = d.operations - before
    # user, the printer and its groups (one search per level: floor, building, none above),
    # the user's quota entries, groups and group quota entries
    assert small == 1 + 3 + 1 + 1 + 1
    d.add_values(f"cn=eleves,ou=Groups,{SUFFIX}", "memberUid", big)
    try:
        before = d.operations
        context = load_job_context(d, "alice", "lab")
        assert d.operations - before == small
        assert context.groups and context.groups[0].quotas[0].counted
    finally:
        d.delete_values(f"cn=eleves,ou=Groups,{SUFFIX}", "memberUid", big)


def test_an_entry_without_counters_is_the_members_sum(site):
    """Entries made before group counters (or by hand) still count: their members' counters."""
    home, d, _ = site
    d.add(quotas.group_quota_dn(d, "eleves", "lab"), ["pkGroupQuota"],
          {"cn": "eleves@lab", "pkGroupName": "eleves", "pkPrinterName": "lab", "pkHardLimit": 10_000})
    members_total = sum(q.page_counter for q in quotas.find_user_quotas(d, list(MEMBERS), ["lab"]))
    context = load_job_context(d, "alice", "lab")
    [state] = context.groups
    by_printer = {q.printer: q for q in state.quotas}
    assert not by_printer["lab"].counted and by_printer["lab"].page_counter == members_total
    assert quotas.group_quota_dn(d, "eleves", "lab") not in context.group_counters


def test_a_listing_reopens_a_connection_the_server_dropped(site):
    """Listings read with the hand-decoded search (fastsearch): a long-lived process (the query
    service, the web application) whose connection the server closed reconnects, as before."""
    home, d, server = site
    assert {u.name for u in accounts.find_users(d)} >= set(MEMBERS)
    server.restart()
    assert {u.name for u in accounts.find_users(d)} >= set(MEMBERS)
