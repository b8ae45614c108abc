"""The directory functions the backend added: reservations with their marks, and the settled charge."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from pykota_ldap.directory import AssertionFailed, accounts, history, printers, quotas
from pykota_ldap.model import Charge, Job


def _job(size=0, action="ALLOW"):
    return Job(job_id="1", user="alice", printer="lab", date=datetime.now(timezone.utc), action=action, size=size)


def _counter(directory):
    found = quotas.user_quotas(directory, "alice", ["lab"])["lab"]
    return found.page_counter, found.life_page_counter


def test_a_reservation_is_counted_once_and_settled_by_the_charge(directory):
    printers.add_printer(directory, "lab")
    accounts.attach_user(directory, "alice")
    quota = quotas.add_user_quota(directory, "alice", "lab", hard=10)
    job = _job(4)
    mark = history.charge_mark(job, "lab-1-a")
    history.reserve(directory, quota.dn, {"pkPageCounter": 6}, "(pkPageCounter<=4)", mark)
    history.reserve(directory, quota.dn, {"pkPageCounter": 6}, "(pkPageCounter<=4)", mark)   # asked again: once
    assert _counter(directory) == (6, 0)
    with pytest.raises(AssertionFailed):                                  # another job: 6 + 5 > 10
        history.reserve(directory, quota.dn, {"pkPageCounter": 5}, "(pkPageCounter<=5)", "x other")
    charge = Charge("lab-1-a", job, quota_dns=(quota.dn,), pages=4, reserved_pages={quota.dn: 6})
    assert history.charge_job(directory, charge)
    assert not history.charge_job(directory, charge)
    assert _counter(directory) == (4, 4)


def test_a_reservation_given_back_once_and_a_charge_where_none_was_made(directory):
    printers.add_printer(directory, "lab")
    accounts.attach_user(directory, "alice")
    quota = quotas.add_user_quota(directory, "alice", "lab", hard=10)
    undo = Charge("lab-2-b", _job(action="CANCEL"), quota_dns=(quota.dn,), reserved_pages={quota.dn: 3})
    history.reserve(directory, quota.dn, {"pkPageCounter": 3}, "(pkPageCounter<=7)", history.charge_mark(undo.job,
                                                                                                         undo.name))
    assert _counter(directory) == (3, 0)
    assert history.charge_job(directory, undo)
    assert not history.charge_job(directory, undo)
    assert _counter(directory) == (0, 0)
    # The reservation never reached the entry (the backend died first): the charge counts it whole.
    unreserved = Charge("lab-3-c", _job(2), quota_dns=(quota.dn,), pages=2, reserved_pages={quota.dn: 2})
    assert history.charge_job(directory, unreserved)
    assert _counter(directory) == (2, 2)


def test_a_give_back_cut_off_half_way_is_finished_once(directory):
    printers.add_printer(directory, "lab")
    printers.add_printer(directory, "floor")
    accounts.attach_user(directory, "alice")
    lab, floor = (quotas.add_user_quota(directory, "alice", p, hard=10) for p in ("lab", "floor"))
    job = _job(action="CANCEL")
    for quota in (lab, floor):
        history.reserve(directory, quota.dn, {"pkPageCounter": 4}, "(pkPageCounter<=6)",
                        history.charge_mark(job, "lab-5-e"))
    reserved = {lab.dn: 4, floor.dn: 4}
    cut = Charge("lab-5-e", job, quota_dns=(lab.dn,), reserved_pages=reserved)   # stopped after the first entry
    history.charge_job(directory, cut)
    whole = Charge("lab-5-e", job, quota_dns=(lab.dn, floor.dn), reserved_pages=reserved)
    assert not history.charge_job(directory, whole)                               # the history entry was there
    assert [quotas.user_quotas(directory, "alice", [p])[p].page_counter for p in ("lab", "floor")] == [0, 0]


def test_a_strict_balance_charge_bills_the_whole_price(directory):
    user = accounts.attach_user(directory, "alice", limit_by="balance", balance=1000)
    code = history.add_billing_code(directory, "projet")
    job = _job(3)
    history.reserve(directory, user.dn, {"pkBalance": -300}, "(pkBalance>=300)", history.charge_mark(job, "lab-4-d"))
    assert accounts.get_user(directory, "alice").balance == 700
    charge = Charge("lab-4-d", job, user_dn=user.dn, debit=350, reserved=300, billing_code_dn=code.dn, pages=3)
    assert history.charge_job(directory, charge)
    assert accounts.get_user(directory, "alice").balance == 650
    assert history.get_billing_code(directory, "projet").balance == -350


def test_same_job_since(directory):
    from datetime import timedelta
    now = datetime.now(timezone.utc)
    for n, (md5, action) in enumerate([("a" * 32, "ALLOW"), ("b" * 32, "ALLOW"), ("c" * 32, "DENY")]):
        history.add_job(directory, Job(job_id=str(n), user="alice", printer="lab", date=now, action=action,
                                       md5sum=md5))
    assert history.same_job_since(directory, "alice", "lab", "a" * 32, now - timedelta(minutes=1)).job_id == "0"
    assert history.same_job_since(directory, "alice", "lab", "c" * 32, now - timedelta(minutes=1)) is None
    assert history.same_job_since(directory, "bob", "lab", "a" * 32, now - timedelta(minutes=1)) is None
    assert history.same_job_since(directory, "alice", "lab", "a" * 32, now + timedelta(minutes=1)) is None
