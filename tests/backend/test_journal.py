"""The local journal: charges kept whole on disk, read back as written (also in the older
format), and a charge that cannot be applied is set aside and blocks nothing."""
import json
import re
from datetime import datetime, timezone

from pykota_ldap.backend import journal, replay
from pykota_ldap.directory import accounts, history, quotas
from pykota_ldap.model import Action, Charge, Job


def _charge(name, quota_dn, user_dn):
    job = Job(job_id=name, user="alice", printer="hp4", date=datetime.now(timezone.utc), action="ALLOW", size=2,
              price=0)
    return Charge(name, job, quota_dns=(quota_dn,), pages=2, user_dn=user_dn)


def test_a_charge_reads_back_as_written(tmp_path):
    job = Job(job_id="12", user="alice", printer="hp4", date=datetime.now(timezone.utc), action=Action.WARN, size=3,
              price=450, title="report.pdf", copies=2, precomputed_size=2, printer_page_counter=1234)
    charge = Charge("hp4-12-x", job, quota_dns=("cn=q1", "cn=q2"), pages=3, reserved_pages={"cn=q1": 2},
                    user_dn="uid=alice", debit=-150, billing_code_dn="cn=projet")
    path = journal.write(tmp_path / "journal", charge)
    assert journal.charge_from_json(path.read_bytes()) == charge
    assert json.loads(path.read_bytes())["debit"] == -150


def test_a_charge_in_the_older_format_is_replayed(directory, tmp_path):
    """Journal files written before the charge was one value (its debit stored as "price")."""
    user = accounts.attach_user(directory, "alice", limit_by="balance", balance=10_000)
    quota = quotas.add_user_quota(directory, "alice", "hp4")
    folder = tmp_path / "journal"
    folder.mkdir()
    older = {"name": "hp4-5-old", "quota_dns": [quota.dn], "pages": 3, "user_dn": user.dn, "price": 300,
             "billing_code_dn": None, "reserved_pages": None,
             "job": {"job_id": "5", "user": "alice", "printer": "hp4", "date": datetime.now(timezone.utc).isoformat(),
                     "action": "ALLOW", "dn": None, "size": 3, "price": 300, "title": "t", "filename": None,
                     "copies": 1, "options": "", "hostname": None, "size_bytes": 10, "md5sum": "0" * 32,
                     "billing_code": None, "precomputed_size": 3, "precomputed_price": 300,
                     "printer_page_counter": None}}
    (folder / "hp4-5-old.json").write_text(json.dumps(older))
    report = replay.replay(directory, folder)
    assert (report.applied, report.failed) == (1, 0) and replay.pending(folder) == []
    assert accounts.get_user(directory, "alice").balance == 9_700
    assert quotas.user_quotas(directory, "alice", ["hp4"])["hp4"].page_counter == 3


def test_a_charge_that_cannot_apply_is_set_aside(directory, tmp_path):
    user = accounts.attach_user(directory, "alice")
    quota = quotas.add_user_quota(directory, "alice", "hp4")
    gone = quotas.user_quota_dn(directory, "alice", "deleted-printer")
    folder = tmp_path / "journal"
    journal.write(folder, _charge("a-broken", gone, user.dn))
    journal.write(folder, _charge("b-good", quota.dn, user.dn))
    (folder / "c-garbage.json").write_text("{not json")
    report = replay.replay(directory, folder, limit=1)          # the broken one first: set aside
    assert report.failed == 1 and replay.pending(folder) == [folder / "b-good.json", folder / "c-garbage.json"]
    report = replay.replay(directory, folder)
    assert (report.applied, report.failed) == (1, 1) and replay.pending(folder) == []
    assert quotas.user_quotas(directory, "alice", ["hp4"])["hp4"].page_counter == 2
    assert sorted(p.name for p in (folder / "failed").iterdir()) == [
        "a-broken.json", "a-broken.json.reason", "c-garbage.json", "c-garbage.json.reason"]
    reason = (folder / "failed" / "a-broken.json.reason").read_text()
    assert gone in reason and re.search(r"no ?such ?object", reason, re.IGNORECASE), reason
    assert len(list(history.find_jobs(directory, user="alice"))) == 1


def test_a_record_with_text_that_is_not_utf8_is_applied_escaped(directory, tmp_path):
    """A record written before text was escaped at the job's start: a lone surrogate (bytes that
    were not UTF-8), which no LDAP value can hold, is escaped when the record is read."""
    user = accounts.attach_user(directory, "alice")
    quota = quotas.add_user_quota(directory, "alice", "hp4")
    folder = tmp_path / "journal"
    older = _charge("a-older", quota.dn, user.dn)
    journal.write(folder, Charge(older.name, Job(**{**older.job.__dict__, "options": "foo=\udcff\udcfe"}),
                                 quota_dns=older.quota_dns, pages=2))
    report = replay.replay(directory, folder)
    assert (report.applied, report.failed) == (1, 0) and replay.pending(folder) == []
    [job] = history.find_jobs(directory, user="alice")
    assert job.options == "foo=\\xff\\xfe"
