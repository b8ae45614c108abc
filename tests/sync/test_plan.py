"""Planning is pure: a snapshot, the rules and the clock in, the differences out."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

from pykota_ldap.model import Group, Payment, Printer, User, UserQuota
from pykota_ldap.sync.plan import Options, allocation_credit, make_plan, select_printers
from pykota_ldap.sync.rules import UPFRONT, Allocation, Rule, SyncRules
from pykota_ldap.sync.snapshot import Snapshot

NOW = datetime(2026, 11, 24, 12, tzinfo=timezone.utc)
PRINTERS = {name: Printer(name, f"cn={name}") for name in ("hp1", "hp2", "lab1", "lab2")}
PRINTERS["labs"] = Printer("labs", "cn=labs", members=["lab1", "lab2", "labs"])   # a cycle is harmless
RULES = SyncRules("(uid=*)", ("hp1",), Rule("", "noquota"),
                  {"eleves": Rule("eleves", "quota", 100, 120),
                   "profs": Rule("profs", "balance", initial_balance=5000,
                                 allocation=Allocation("weekly", 1000, 3000))}, quota_entries=UPFRONT)


def snapshot(accounts, quotas=(), members=None, payments=()):
    members = members or {"eleves": ["Toto"], "profs": ["prof"]}
    groups = [Group(name, f"cn={name}", managed=False, members=m) for name, m in members.items()]
    return Snapshot(list(accounts), groups, list(quotas), PRINTERS, {p.name.lower(): p for p in payments})


W48 = "allocation-weekly-2026-W48-prof"


def payment(amount, description):
    return Payment("prof", amount, NOW, description, name=W48)


def test_printer_patterns_and_groups():
    assert select_printers(("*",), PRINTERS) == ["hp1", "hp2", "lab1", "lab2", "labs"]
    assert select_printers(("labs",), PRINTERS) == ["lab1", "lab2", "labs"]
    assert select_printers(("HP?",), PRINTERS) == ["hp1", "hp2"]
    assert select_printers(("nosuch",), PRINTERS) == []


def test_names_match_whatever_their_case():
    quota = UserQuota("TOTO", "HP1", "cn=toto@hp1", 100, 120)
    plan = make_plan(snapshot([User("toto", "uid=toto", managed=True, limit_by="quota")], [quota]), RULES, NOW)
    assert plan.changes == [] and plan.unchanged == 1 and plan.departures == []


def test_arrival_departure_and_differences():
    accounts = [User("toto", "uid=toto"), User("prof", "uid=prof", managed=True, limit_by="quota", balance=2500)]
    quotas = [UserQuota("gone", "hp1", "cn=gone@hp1"), UserQuota("prof", "hp1", "cn=prof@hp1", 1, 2)]
    plan = make_plan(snapshot(accounts, quotas), RULES, NOW, Options(allocate=True))
    toto, prof = plan.changes
    assert toto.status == "added" and toto.attach.limit_by == "quota" and toto.attach.balance == 0
    assert [(q.printer, q.soft_limit, q.hard_limit) for q in toto.quota_adds] == [("hp1", 100, 120)]
    assert prof.status == "updated" and prof.limit_by is None and prof.limit_changes == []
    assert prof.credit.amount == 500                          # up to the cap of 30.00
    assert prof.credit.payment.name == "allocation-weekly-2026-W48-prof"
    assert plan.differing == ["prof"]                         # limitby and limits, counted once
    assert [d.user for d in plan.departures] == ["gone"]
    assert plan.groups_to_attach == [("eleves", "cn=eleves"), ("profs", "cn=profs")]


def test_update_and_allocation_already_paid():
    accounts = [User("prof", "uid=prof", managed=True, limit_by="quota", balance=0)]
    quotas = [UserQuota("prof", "hp1", "cn=prof@hp1", 1, 2)]
    done = payment(1000, "allocation weekly 2026-W48 (pksync rule profs), lifetime paid before 7")
    plan = make_plan(snapshot(accounts, quotas, payments=[done]), RULES, NOW, Options(update=True, allocate=True))
    [prof] = plan.changes
    assert (prof.old_limit_by, prof.limit_by) == ("quota", "balance")
    assert [(c.soft_limit, c.hard_limit, c.old_soft, c.old_hard) for c in prof.limit_changes] == [(None, None, 1, 2)]
    assert prof.credit is None and plan.differing == []


def test_a_credit_interrupted_after_its_payment_is_finished():
    accounts = [User("prof", "uid=prof", managed=True, limit_by="balance", balance=900, lifetime_paid=7)]
    written = payment(600, "allocation weekly 2026-W48 (pksync rule profs), lifetime paid before 7")
    [prof] = make_plan(snapshot(accounts, payments=[written]), RULES, NOW, Options(allocate=True)).changes
    assert (prof.credit.amount, prof.credit.resume, prof.credit.lifetime_paid) == (600, True, 7)
    accounts[0].lifetime_paid = 607                           # the increment did happen: nothing to do
    changes = make_plan(snapshot(accounts, payments=[written]), RULES, NOW, Options(allocate=True)).changes
    assert all(change.credit is None for change in changes)


def test_new_user_gets_initial_balance_and_allocation_in_one_step():
    plan = make_plan(snapshot([User("prof", "uid=prof")]), RULES, NOW, Options(allocate=True))
    assert plan.changes[0].attach.balance == 5000             # already above the cap of 30.00
    rules = SyncRules("(uid=*)", ("hp1",), Rule(""), {"profs": Rule(
        "profs", "balance", initial_balance=5000, allocation=Allocation("weekly", 1000))})
    plan = make_plan(snapshot([User("prof", "uid=prof", uuid="1234")]), rules, NOW, Options(allocate=True))
    [prof] = plan.changes
    assert prof.attach.balance == 6000
    assert [p.name for p in prof.attach.payments] == ["initial-prof-1234", W48]
    assert [p.amount for p in prof.attach.payments] == [5000, 1000]
    assert prof.attach.payments[1].description.startswith("allocation weekly 2026-W48")


def test_allocation_credit():
    weekly = Allocation("weekly", 1000, 3000)
    assert allocation_credit(0, weekly) == 1000
    assert allocation_credit(2500, weekly) == 500
    assert allocation_credit(3500, weekly) == 0
    assert allocation_credit(-10_000, weekly) == 1000
    assert allocation_credit(10**9, Allocation("daily", 1000)) == 1000


def test_duplicate_names_under_userbase_are_warned_about():
    plan = make_plan(snapshot([User("toto", "uid=toto,ou=a"), User("Toto", "uid=toto,ou=b")]), RULES, NOW)
    assert len(plan.changes) == 1
    assert plan.warnings == ["user Toto appears twice under userbase: uid=toto,ou=b ignored"]


def test_by_default_quota_entries_are_left_to_the_first_job_and_existing_ones_still_updated():
    rules = replace(RULES, quota_entries="firstjob")
    accounts = [User("toto", "uid=toto", managed=True, limit_by="quota"), User("new", "uid=new")]
    edited = UserQuota("toto", "hp1", "cn=toto@hp1", soft_limit=1, hard_limit=2)
    plan = make_plan(snapshot(accounts, [edited], members={"eleves": ["toto", "new"]}), rules, NOW)
    assert [(c.name, c.status, c.quota_adds) for c in plan.changes] == [("new", "added", [])]
    assert plan.differing == ["toto"]
    [toto] = make_plan(snapshot(accounts[:1], [edited]), rules, NOW, Options(update=True)).changes
    assert [(c.soft_limit, c.hard_limit) for c in toto.limit_changes] == [(100, 120)] and not toto.quota_adds
