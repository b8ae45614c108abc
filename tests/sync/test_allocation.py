"""--allocate: once per period, up to the cap, each credit a payment, the cap checked by the server."""
from __future__ import annotations

from datetime import datetime, timezone
from functools import partial

import pytest

from pykota_ldap.directory import AlreadyExists, AssertionFailed
from pykota_ldap.directory import sync as store
from pykota_ldap.sync.apply import Step, apply_plan, credit
from pykota_ldap.sync.load import load_snapshot
from pykota_ldap.sync.plan import make_plan
from pykota_ldap.sync.rules import Allocation, rules_from_config

from synchelpers import GROUPS, PEOPLE, RULES

MONDAY_W48 = "2026-11-23T08:00:00+00:00"
SUNDAY_W48 = "2026-11-29T23:59:00+00:00"
MONDAY_W49 = "2026-11-30T00:01:00+00:00"


def balance(sync, user="prof2") -> int:
    return int(sync.user(user)["pkbalance"][0])


def allocations(sync, user="prof2") -> list[tuple[str, str]]:
    return [(p["cn"][0], p["pkamount"][0]) for p in sync.payments(user) if p["cn"][0].startswith("allocation-")]


def test_once_per_week_across_the_boundary(sync):
    sync.run(now=MONDAY_W48)
    assert balance(sync) == 50000                              # the initial balance only: no --allocate
    assert sync.summary("--allocate", now=MONDAY_W48).endswith("0 added, 1 updated, 0 retired, 9 unchanged; "
                                                               "1 allocation credited")
    assert balance(sync) == 60000
    assert sync.summary("--allocate", now=SUNDAY_W48).endswith("nothing changed")
    assert balance(sync) == 60000
    sync.run("--allocate", now=MONDAY_W49)
    assert balance(sync) == 70000
    assert allocations(sync) == [("allocation-weekly-2026-W48-prof2", "10000"),
                                 ("allocation-weekly-2026-W49-prof2", "10000")]
    payment = sync.payments("prof2")[0]
    assert payment["description"][0].startswith("allocation weekly 2026-W48")
    assert sync.user("prof2")["pklifetimepaid"] == ["70000"]


def test_new_users_get_initial_balance_and_first_allocation_together(sync):
    assert sync.summary("--allocate", now=MONDAY_W48).startswith("pksync: 10 added")
    assert balance(sync) == 60000
    assert allocations(sync) == [("allocation-weekly-2026-W48-prof2", "10000")]
    assert sync.summary("--allocate", now=MONDAY_W48).endswith("nothing changed")


def test_cap_limits_the_credit(sync):
    sync.run(now=MONDAY_W48)
    sync.ldif(f"dn: uid=prof2,{PEOPLE}\nchangetype: modify\nincrement: pkBalance\npkBalance: 46500\n")
    sync.run("--allocate", now=MONDAY_W48)
    assert balance(sync) == 100000                             # 96.50 + 3.50, not + 10
    assert allocations(sync) == [("allocation-weekly-2026-W48-prof2", "3500")]
    sync.run("--allocate", now=MONDAY_W49)                    # at the cap: nothing, and no payment
    assert balance(sync) == 100000
    assert len(allocations(sync)) == 1


def test_user_at_cap_gets_the_credit_later_in_the_period_once(sync):
    sync.rules(RULES.replace("initialbalance: 50.0", "initialbalance: 100.0"))
    sync.run("--allocate", now=MONDAY_W48)
    assert allocations(sync) == []
    sync.ldif(f"dn: uid=prof2,{PEOPLE}\nchangetype: modify\nincrement: pkBalance\npkBalance: -20000\n")
    sync.run("--allocate", now=SUNDAY_W48)
    sync.run("--allocate", now=SUNDAY_W48)
    assert balance(sync) == 90000
    assert allocations(sync) == [("allocation-weekly-2026-W48-prof2", "10000")]


def test_daily_and_monthly_periods(sync):
    sync.rules(RULES + "\n[sync:devs]\nlimitby: balance\nallocate: monthly 5\n\n"
                       "[sync:admins]\nlimitby: balance\nallocate: daily 1 max 2\n")
    sync.run(now="2026-11-30T10:00:00+00:00")
    for when in ("2026-11-30T11:00:00+00:00", "2026-11-30T23:00:00+00:00", "2026-12-01T01:00:00+00:00",
                 "2026-12-02T01:00:00+00:00", "2026-12-03T01:00:00+00:00"):
        sync.run("--allocate", now=when)
    assert balance(sync, "chloe") == 10000                     # November and December
    assert [n for n, _ in allocations(sync, "chloe")] == ["allocation-monthly-2026-11-chloe",
                                                          "allocation-monthly-2026-12-chloe"]
    assert balance(sync, "jerome") == 2000                     # daily, capped at 2
    assert [n for n, _ in allocations(sync, "jerome")] == ["allocation-daily-2026-11-30-jerome",
                                                           "allocation-daily-2026-12-01-jerome"]


def test_dry_run_allocation_writes_nothing(sync):
    sync.run(now=MONDAY_W48)
    out = sync.run("--allocate", "-n", now=MONDAY_W48).stdout
    assert "credit user prof2: 10.00, allocation weekly 2026-W48 (pksync rule profs), cap 100.00" in out
    assert balance(sync) == 50000 and allocations(sync) == []


def test_credit_is_refused_by_the_server_when_something_was_paid_in_meanwhile(sync, directory):
    sync.run(now=MONDAY_W48)
    dn = f"uid=prof2,{PEOPLE}"
    when = datetime(2026, 11, 23, tzinfo=timezone.utc)
    # Planned from a balance of 95.00 (credit 5.00, lifetime 50.00); an admin paid in 48.00 meanwhile.
    sync.ldif(f"dn: {dn}\nchangetype: modify\nincrement: pkBalance\npkBalance: 48000\n-\n"
              "increment: pkLifeTimePaid\npkLifeTimePaid: 48000\n")
    with pytest.raises(AssertionFailed):
        store.credit_balance(directory, dn, "prof2", 5000, 100000, 50000, "allocation-x-prof2", "x", when)
    assert balance(sync) == 98000

    weekly = Allocation("weekly", 10000, 100000)
    step = Step("prof2", partial(credit, user="prof2", dn=dn, amount=5000, allocation=weekly,
                                 payment_name="allocation-x-prof2", description="x", lifetime_paid=50000, resume=True,
                                 when=when), AlreadyExists, "credited meanwhile")
    assert step.run_alone(directory) is None                  # re-read: only 2.00 fits under the cap
    assert balance(sync) == 100000
    [payment] = [p for p in sync.payments("prof2") if p["cn"] == ["allocation-x-prof2"]]
    assert payment["pkamount"] == ["2000"] and payment["description"] == ["x, lifetime paid before 98000"]
    with pytest.raises(AlreadyExists):                        # the exactly-once key
        store.credit_balance(directory, dn, "prof2", 1, None, 100000, "allocation-x-prof2", "x", when)
    assert balance(sync) == 100000


def test_concurrent_charge_does_not_break_the_cap(sync, directory):
    sync.run(now=MONDAY_W48)
    dn = f"uid=prof2,{PEOPLE}"
    # Planned from 50.00 (credit 10.00); a job charged 20.00 meanwhile: the credit still applies.
    sync.ldif(f"dn: {dn}\nchangetype: modify\nincrement: pkBalance\npkBalance: -20000\n")
    store.credit_balance(directory, dn, "prof2", 10000, 100000, 50000, "allocation-y-prof2", "t",
                         datetime(2026, 11, 23, tzinfo=timezone.utc))
    assert balance(sync) == 40000


def test_a_run_stopped_between_payment_and_credit_is_finished_once(sync):
    sync.run(now=MONDAY_W48)
    # What a run that stopped after writing the payment leaves behind: a payment, no credit.
    sync.add("dn: cn=allocation-weekly-2026-W48-prof2,ou=Payments,ou=PyKota,dc=example,dc=org\n"
             "objectClass: pkPayment\ncn: allocation-weekly-2026-W48-prof2\npkUserName: prof2\n"
             "pkAmount: 10000\npkPaymentDate: 20261123080000Z\n"
             "description: allocation weekly 2026-W48 (pksync rule profs), lifetime paid before 50000\n")
    out = sync.run("--allocate", "-v", now=MONDAY_W48).stdout
    assert "credit user prof2: 10.00, allocation weekly 2026-W48" in out
    assert balance(sync) == 60000 and sync.user("prof2")["pklifetimepaid"] == ["60000"]
    assert allocations(sync) == [("allocation-weekly-2026-W48-prof2", "10000")]
    assert sync.summary("--allocate", now=SUNDAY_W48).endswith("nothing changed")
    assert balance(sync) == 60000


def test_an_attach_stopped_after_its_payment_is_finished_once(sync):
    uuid = sync.search(PEOPLE, "(uid=prof2)", "entryUUID")[f"uid=prof2,{PEOPLE}".lower()]["entryuuid"][0]
    sync.add(f"dn: cn=initial-prof2-{uuid},ou=Payments,ou=PyKota,dc=example,dc=org\nobjectClass: pkPayment\n"
             f"cn: initial-prof2-{uuid}\npkUserName: prof2\npkAmount: 50000\npkPaymentDate: 20261123080000Z\n")
    sync.run(now=MONDAY_W48)
    assert balance(sync) == 50000 and len(sync.payments("prof2")) == 1


def test_members_of_groups_without_allocation_get_nothing(sync):
    sync.ldif(f"dn: cn=eleves,{GROUPS}\nchangetype: modify\nadd: memberUid\nmemberUid: quidam\n")
    sync.run("--allocate", now=MONDAY_W48)
    assert sync.payments("quidam") == [] and sync.payments("toto") == []


def test_an_attach_that_cannot_happen_leaves_no_payment(sync, config, directory):
    rules = rules_from_config(config)
    when = datetime(2026, 11, 23, 8, tzinfo=timezone.utc)
    plan = make_plan(load_snapshot(directory, rules, when), rules, when)
    sync.delete(f"uid=prof2,{PEOPLE}")                          # gone between the plan and the writes
    outcome = apply_plan(directory, plan)
    assert any(reason.startswith("user prof2:") for reason in outcome.skipped)
    assert sync.payments("prof2") == []
