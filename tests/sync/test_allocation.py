"""--allocate: once per period, up to the cap, each credit a payment, the cap checked by the server."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from pykota_ldap.directory import AlreadyExists, AssertionFailed
from pykota_ldap.directory import sync as store
from pykota_ldap.sync.apply import CreditStep
from pykota_ldap.sync.rules import Allocation
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


def test_credit_is_refused_by_the_server_when_a_concurrent_credit_came_first(sync, directory):
    sync.run(now=MONDAY_W48)
    dn = f"uid=prof2,{PEOPLE}"
    when = datetime(2026, 11, 23, tzinfo=timezone.utc)
    # Planned from a balance of 95.00 (credit 5.00), but the balance is 50.00 + an admin's 48.00.
    sync.ldif(f"dn: {dn}\nchangetype: modify\nincrement: pkBalance\npkBalance: 48000\n")
    with pytest.raises(AssertionFailed):
        store.credit_balance(directory, dn, "prof2", 5000, 100000, "allocation-x-prof2", "test", when)
    assert balance(sync) == 98000 and allocations(sync) == []   # nothing at all was written

    step = CreditStep("prof2", dn, 5000, Allocation("weekly", 10000, 100000), "allocation-x-prof2", "t", when)
    assert step.run_alone(directory) is None                  # re-read: only 2.00 fits under the cap
    assert balance(sync) == 100000
    assert step.run_alone(directory) == "user prof2: balance reached the cap meanwhile, nothing credited"
    with pytest.raises(AlreadyExists):
        store.credit_balance(directory, dn, "prof2", 1, None, "allocation-x-prof2", "test", when)
    assert balance(sync) == 100000


def test_concurrent_charge_does_not_break_the_cap(sync, directory):
    sync.run(now=MONDAY_W48)
    dn = f"uid=prof2,{PEOPLE}"
    # Planned from 50.00 (credit 10.00); a job charged 20.00 meanwhile: the credit still applies.
    sync.ldif(f"dn: {dn}\nchangetype: modify\nincrement: pkBalance\npkBalance: -20000\n")
    store.credit_balance(directory, dn, "prof2", 10000, 100000, "allocation-y-prof2", "t",
                         datetime(2026, 11, 23, tzinfo=timezone.utc))
    assert balance(sync) == 40000


def test_members_of_groups_without_allocation_get_nothing(sync):
    sync.ldif(f"dn: cn=eleves,{GROUPS}\nchangetype: modify\nadd: memberUid\nmemberUid: quidam\n")
    sync.run("--allocate", now=MONDAY_W48)
    assert sync.payments("quidam") == [] and sync.payments("toto") == []
