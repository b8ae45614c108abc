"""The directory layer against a real slapd: atomic counters, guarded debits, hostile names,
failover, reconnection, attach/below."""
import multiprocessing

import pytest

from pykota_ldap.config import Config
from pykota_ldap.directory import (
    AlreadyExists,
    AssertionFailed,
    Directory,
    DirectoryUnavailable,
    NotFound,
    accounts,
    history,
    printers,
    quotas,
)
from pykota_ldap.schema_files import schema_path
from pykota_ldap.testing.slapd import free_port

HOSTILE = ["*)(uid=*", "a,b=c+d", "\\", " lead", "#hash", "trail ", "é ü ß 漢字", "x)(|(objectClass=*"]


def _increment_many(home, dn, count):
    d = Directory(Config(home).ldap(admin=True)).connect()
    for _ in range(count):
        d.increment(dn, {"pkPageCounter": 1, "pkLifePageCounter": 1})
    d.close()


def test_eight_processes_times_200_increments_land_exactly(directory, pykota_home):
    quota = quotas.add_user_quota(directory, "alice", "hp4")
    workers = [multiprocessing.Process(target=_increment_many, args=(str(pykota_home), quota.dn, 200))
               for _ in range(8)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert [w.exitcode for w in workers] == [0] * 8          # every worker did all its increments
    found = quotas.user_quotas(directory, "alice", ["hp4"])["hp4"]
    assert (found.page_counter, found.life_page_counter) == (1600, 1600)


def _debit_until_refused(home, username, amount, queue):
    d = Directory(Config(home).ldap(admin=True)).connect()
    user = accounts.get_user(d, username)
    granted = 0
    while True:
        try:
            accounts.change_balance(d, user, -amount, paid=False, floor=0)
            granted += 1
        except AssertionFailed:
            break
    d.close()
    queue.put(granted)


def test_guarded_debits_from_eight_processes_never_overspend(directory, pykota_home):
    accounts.attach_user(directory, "bob", limit_by="balance", balance=10_050)   # 10.05 credits
    queue = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=_debit_until_refused, args=(str(pykota_home), "bob", 100, queue))
               for _ in range(8)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert [w.exitcode for w in workers] == [0] * 8
    granted = sum(queue.get() for _ in workers)
    balance = accounts.get_user(directory, "bob").balance
    assert granted == 100                      # 100 debits of 0.100 fit in 10.050
    assert balance == 50 and balance >= 0


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_neither_leak_entries_nor_break_dns(directory, name):
    accounts.attach_user(directory, "alice")
    assert accounts.get_user(directory, name) is None              # no user matched by injection
    assert list(accounts.find_users(directory, [name])) == []
    printer = printers.add_printer(directory, name, description="hostile")
    assert printers.get_printer(directory, name).name == name      # the DN kept the name as one RDN
    assert printer.dn.endswith(",ou=Printers,ou=PyKota,dc=example,dc=org")
    quota = quotas.add_user_quota(directory, "alice", name, soft=5)
    assert set(quotas.user_quotas(directory, "alice", [name])) == {name.lower()}
    assert quotas.user_quotas(directory, "alice", ["hp4"]) == {}
    group = printers.add_printer(directory, "grp")
    printers.add_to_group(directory, group, printer)
    assert printers.all_printers(directory)["grp"].members == [name]
    quotas.delete_quota(directory, quota.dn)
    printers.delete_printer(directory, printer)
    assert printers.get_printer(directory, name) is None


def test_wildcards_are_server_side_and_exact(directory):
    for name in ("alice", "bob", "charles", "chloe"):
        accounts.attach_user(directory, name)
    assert sorted(u.name for u in accounts.find_users(directory, ["ch*"])) == ["charles", "chloe"]
    assert [u.name for u in accounts.find_users(directory, ["b?b"])] == ["bob"]
    assert [u.name for u in accounts.find_users(directory, ["[a]lice"])] == ["alice"]


def test_attach_refuses_unknown_user_and_double_attach(directory):
    with pytest.raises(NotFound):
        accounts.attach_user(directory, "nobody-here")
    accounts.attach_user(directory, "alice")
    with pytest.raises(AlreadyExists):
        accounts.attach_user(directory, "alice")


def test_attach_starts_counters_at_zero_so_increment_works(directory, slapd):
    user = accounts.attach_user(directory, "alice", limit_by="balance")
    assert accounts.change_balance(directory, user, 2500) == 2500
    text = slapd.ldapsearch("ou=People,dc=example,dc=org", "(uid=alice)", "pkBalance", "pkLifeTimePaid")
    assert "pkBalance: 2500" in text and "pkLifeTimePaid: 2500" in text


def test_detach_keeps_the_organisation_entry(directory, slapd):
    user = accounts.attach_user(directory, "alice", limit_by="balance", balance=5)
    accounts.detach_user(directory, user)
    text = slapd.ldapsearch("ou=People,dc=example,dc=org", "(uid=alice)", "objectClass", "pkBalance", "mail")
    assert "mail: alice@example.org" in text and "pkAccount" not in text and "pkBalance" not in text


def test_newuser_below_creates_an_entry(slapd, tmp_path):
    slapd.ldapmodify(schema_path("pykota-ldap-acl-below.ldif"), config=True)      # as the ACL's guide says
    home = slapd.write_config(tmp_path, extra_global="newuser: below\nnewgroup: below\n")
    d = Directory(Config(home).ldap(admin=True)).connect()
    user = accounts.attach_user(d, "visitor")
    assert user.dn == "uid=visitor,ou=People,dc=example,dc=org" and user.managed
    group = accounts.attach_group(d, "visitors")
    assert group.managed
    accounts.detach_user(d, user)
    assert accounts.get_user(d, "visitor") is None     # an entry we created is removed again


def test_membership_from_member_dns(slapd, tmp_path):
    slapd.ldapadd("dn: cn=lab,ou=Groups,dc=example,dc=org\nobjectClass: groupOfNames\ncn: lab\n"
                  "member: uid=alice,ou=People,dc=example,dc=org\nmember: uid=bob,ou=People,dc=example,dc=org\n")
    home = slapd.write_config(tmp_path, extra_global="groupmembers: member\n")
    d = Directory(Config(home).ldap(admin=True)).connect()
    group = accounts.attach_group(d, "lab")
    assert group.members == ["alice", "bob"]
    alice = accounts.get_user(d, "alice")
    assert [g.name for g in accounts.user_groups(d, alice)] == ["lab"]
    accounts.remove_member(d, group, alice)
    assert accounts.get_group(d, "lab").members == ["bob"]


def test_failover_to_the_second_uri(slapd, tmp_path):
    home = slapd.write_config(tmp_path)
    conf = home / "pykota.conf"
    conf.write_text(conf.read_text().replace(f"storageserver: {slapd.uri}",
                                             f"storageserver: ldap://127.0.0.1:{free_port()} {slapd.uri}"))
    d = Directory(Config(home).ldap(admin=True)).connect()
    assert d.server_uri == slapd.uri
    assert accounts.get_user(d, "alice") is not None


def test_reconnects_once_after_a_server_restart(directory, slapd):
    assert accounts.get_user(directory, "alice") is not None
    slapd.restart()
    assert accounts.get_user(directory, "alice") is not None


def test_unreachable_directory_is_one_clear_error(slapd, tmp_path):
    home = slapd.write_config(tmp_path)
    slapd.kill()
    with pytest.raises(DirectoryUnavailable, match="no LDAP server answered"):
        Directory(Config(home).ldap(admin=True)).connect()


def test_charge_is_exactly_once(directory):
    from datetime import datetime, timezone

    from pykota_ldap.model import Charge, Job
    user = accounts.attach_user(directory, "alice", limit_by="balance", balance=10_000)
    quota = quotas.add_user_quota(directory, "alice", "hp4")
    job = Job(job_id="7", user="alice", printer="hp4", date=datetime.now(timezone.utc), action="ALLOW", size=4,
              price=400)
    charge = Charge("hp4-7-abc", job, quota_dns=(quota.dn,), pages=4, user_dn=user.dn, debit=400)
    assert history.charge_job(directory, charge) is True
    assert history.charge_job(directory, charge) is False
    assert accounts.get_user(directory, "alice").balance == 9_600
    assert quotas.user_quotas(directory, "alice", ["hp4"])["hp4"].page_counter == 4
    assert len(list(history.find_jobs(directory, user="alice"))) == 1


def test_charge_cut_off_half_way_is_finished_by_its_replay_and_counted_once(directory):
    from datetime import datetime, timezone

    from pykota_ldap.directory import NotFound
    from pykota_ldap.model import Charge, Job
    user = accounts.attach_user(directory, "alice", limit_by="balance", balance=10_000)
    quota = quotas.add_user_quota(directory, "alice", "hp4")
    job = Job(job_id="8", user="alice", printer="hp4", date=datetime.now(timezone.utc), action="ALLOW", size=4,
              price=400)
    group_dn = quotas.user_quota_dn(directory, "alice", "floor1")     # not created yet: the charge stops there
    charge = Charge("hp4-8", job, quota_dns=(quota.dn, group_dn), pages=4, user_dn=user.dn, debit=400)
    with pytest.raises(NotFound):
        history.charge_job(directory, charge)
    assert list(history.find_jobs(directory, user="alice")) == []       # not recorded as done
    quotas.add_user_quota(directory, "alice", "floor1")
    assert history.charge_job(directory, charge) is True
    assert history.charge_job(directory, charge) is False
    found = quotas.user_quotas(directory, "alice", ["hp4", "floor1"])
    assert (found["hp4"].page_counter, found["floor1"].page_counter) == (4, 4)
    assert accounts.get_user(directory, "alice").balance == 9_600
    assert len(list(history.find_jobs(directory, user="alice"))) == 1


def _charge_many(home, quota_dn, user_dn, worker, count):
    from datetime import datetime, timezone

    from pykota_ldap.model import Charge, Job
    d = Directory(Config(home).ldap(admin=True)).connect()
    for n in range(count):
        job = Job(job_id=str(n), user="alice", printer="hp4", date=datetime.now(timezone.utc), action="ALLOW",
                  size=1, price=10)
        charge = Charge(f"w{worker}-{n}", job, quota_dns=(quota_dn,), pages=1, user_dn=user_dn, debit=10)
        history.charge_job(d, charge)
        if n % 10 == 0:      # replays interleaved with new charges change nothing
            history.charge_job(d, charge)
    d.close()


def test_concurrent_charges_with_replays_count_exactly(directory, pykota_home, slapd):
    user = accounts.attach_user(directory, "alice", limit_by="balance", balance=1_000_000)
    quota = quotas.add_user_quota(directory, "alice", "hp4")
    workers = [multiprocessing.Process(target=_charge_many, args=(str(pykota_home), quota.dn, user.dn, w, 150))
               for w in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    assert [w.exitcode for w in workers] == [0] * 4
    assert slapd.process.poll() is None                                  # the server survived
    assert quotas.user_quotas(directory, "alice", ["hp4"])["hp4"].page_counter == 600
    assert accounts.get_user(directory, "alice").balance == 1_000_000 - 6_000
    assert len(list(history.find_jobs(directory, user="alice"))) == 600


def test_old_marks_are_forgotten(directory, slapd, monkeypatch):
    from datetime import datetime, timedelta, timezone
    quota = quotas.add_user_quota(directory, "alice", "hp4")
    old = (datetime.now(timezone.utc) - timedelta(days=40)).strftime("%Y%m%d%H%M%SZ")
    slapd.ldapmodify(f"dn: {quota.dn}\nchangetype: modify\nadd: pkAppliedCharge\npkAppliedCharge: {old} ancient\n-\n")
    monkeypatch.setattr(history, "PRUNE_ONE_IN", 1)          # prune on this charge
    history.apply_once(directory, quota.dn, {"pkPageCounter": 1}, "20991231000000Z new")
    text = slapd.ldapsearch(quota.dn, "(objectClass=*)", "pkAppliedCharge", scope="base")
    assert "ancient" not in text and "new" in text


def test_group_page_usage_sums_the_members_counters_on_that_printer(directory):
    members = ["alice", "bob", "*)(uid=*", "é ü"]
    for name, pages in (("alice", 3), ("bob", 5), ("*)(uid=*", 7), ("charles", 100)):
        quota = quotas.add_user_quota(directory, name, "hp4")
        directory.increment(quota.dn, {"pkPageCounter": pages})
    other = quotas.add_user_quota(directory, "alice", "other")
    directory.increment(other.dn, {"pkPageCounter": 50})
    assert quotas.group_page_usage(directory, members, "hp4") == 3 + 5 + 7     # not charles, not "other"
    assert quotas.group_page_usage(directory, [], "hp4") == 0
    big = [f"u{i}" for i in range(5000)] + ["bob"]
    assert quotas.group_page_usage(directory, big, "hp4") == 5


def test_starttls_is_required_when_asked_for(slapd, tmp_path):
    home = slapd.write_config(tmp_path, extra_global="ldaptls: yes\n")
    with pytest.raises(DirectoryUnavailable, match="StartTLS|TLS|tls"):      # this test server has no TLS
        Directory(Config(home).ldap(admin=True)).connect()


def test_ldaps_certificates_are_checked(monkeypatch):
    import ssl

    import ldap3

    from pykota_ldap.config import settings_for_server
    made = []
    real_server = ldap3.Server
    monkeypatch.setattr(ldap3, "Server", lambda *a, **k: made.append(k) or real_server(*a, **k))
    with pytest.raises(DirectoryUnavailable):
        Directory(settings_for_server("ldaps://127.0.0.1:1", None, None)).connect()
    assert made and made[0]["tls"].validate == ssl.CERT_REQUIRED
