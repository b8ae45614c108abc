"""The local journal: a charge that cannot be applied is set aside and blocks nothing."""
import re
from datetime import datetime, timezone

from pykota_ldap.backend import journal
from pykota_ldap.directory import accounts, history, quotas
from pykota_ldap.model import Job


def _charge(name, quota_dn, user_dn):
    job = Job(job_id=name, user="alice", printer="hp4", date=datetime.now(timezone.utc), action="ALLOW", size=2,
              price=0)
    return journal.PendingCharge.of(name, job, [quota_dn], 2, user_dn, 0)


def test_a_charge_that_cannot_apply_is_set_aside(directory, tmp_path):
    user = accounts.attach_user(directory, "alice")
    quota = quotas.add_user_quota(directory, "alice", "hp4")
    gone = quotas.user_quota_dn(directory, "alice", "deleted-printer")
    folder = tmp_path / "journal"
    journal.write(folder, _charge("a-broken", gone, user.dn))
    journal.write(folder, _charge("b-good", quota.dn, user.dn))
    (folder / "c-garbage.json").write_text("{not json")
    report = journal.replay(directory, folder, limit=1)          # the broken one first: set aside
    assert report.failed == 1 and journal.pending(folder) == [folder / "b-good.json", folder / "c-garbage.json"]
    report = journal.replay(directory, folder)
    assert (report.applied, report.failed) == (1, 1) and journal.pending(folder) == []
    assert quotas.user_quotas(directory, "alice", ["hp4"])["hp4"].page_counter == 2
    assert sorted(p.name for p in (folder / "failed").iterdir()) == [
        "a-broken.json", "a-broken.json.reason", "c-garbage.json", "c-garbage.json.reason"]
    reason = (folder / "failed" / "a-broken.json.reason").read_text()
    assert gone in reason and re.search(r"no ?such ?object", reason, re.IGNORECASE), reason
    assert len(list(history.find_jobs(directory, user="alice"))) == 1
