"""The directory functions the backend added: page reservations and the settled charge."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from pykota_ldap.directory import AssertionFailed, accounts, history, printers, quotas
from pykota_ldap.model import Charge, Job


def test_reserve_then_settle(directory):
    printers.add_printer(directory, "lab")
    accounts.attach_user(directory, "alice")
    quota = quotas.add_user_quota(directory, "alice", "lab", hard=10)
    quotas.reserve_pages(directory, quota.dn, 6, cap=10)
    with pytest.raises(AssertionFailed):
        quotas.reserve_pages(directory, quota.dn, 5, cap=10)       # 6 + 5 > 10
    job = Job(job_id="1", user="alice", printer="lab", date=datetime.now(timezone.utc), action="ALLOW", size=4)
    charge = Charge("lab-1-a", job, quota_dns=(quota.dn,), pages=4, reserved_pages={quota.dn: 6})
    assert history.charge_job(directory, charge)
    assert not history.charge_job(directory, charge)
    found = quotas.user_quotas(directory, "alice", ["lab"])["lab"]
    assert (found.page_counter, found.life_page_counter) == (4, 4)
    quotas.reserve_pages(directory, quota.dn, 3, cap=10)
    quotas.release_pages(directory, quota.dn, 3)
    assert quotas.user_quotas(directory, "alice", ["lab"])["lab"].page_counter == 4


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
