"""The backend on the stock Debian directory (tests/conftest.py's `slapd`: Debian's own cn=config,
then the shipped schema, indexes and ACL as the install guide loads them): a job's charge is
allowed to the service account, and a refusal by the ACL is named as one in CUPS' log."""
from __future__ import annotations

from pykota_ldap.directory import accounts, printers
from pykota_ldap.testing.slapd import SERVICE_DN

PEOPLE = "ou=People,dc=example,dc=org"
# Rule {0} of the shipped ACL without pkAppliedCharge, as the ACL example of earlier releases had it.
ACL_WITHOUT_MARKS = f"""dn: olcDatabase={{1}}mdb,cn=config
changetype: modify
delete: olcAccess
olcAccess: {{0}}
-
add: olcAccess
olcAccess: {{0}}to dn.subtree="{PEOPLE}" attrs=pkLimitBy,pkBalance,pkLifeTimePaid,pkOverCharge
  by dn.exact="{SERVICE_DN}" write by self read by * none
"""


def test_a_laxist_balance_users_job_is_debited(rig):
    queue = rig.queue()
    printers.add_printer(rig.d, queue, price_per_page=100)
    accounts.attach_user(rig.d, "alice", limit_by="balance", balance=5000)
    job = rig.print(queue, 3)
    assert job.state == "completed" and rig.printer.jobs[-1]["pages"] == 3
    assert rig.balance("alice") == 4700
    [entry] = rig.jobs(queue)
    assert (entry["pkAction"], entry["pkJobSize"], entry["pkJobPrice"]) == ("ALLOW", "3", "300")


def test_a_charge_refused_by_the_acl_is_named_as_such(rig):
    queue = rig.queue()
    printers.add_printer(rig.d, queue, price_per_page=100)
    accounts.attach_user(rig.d, "alice", limit_by="balance", balance=1000)
    rig.slapd.ldapmodify(ACL_WITHOUT_MARKS, config=True)
    job = rig.print(queue, 3)
    assert f"the service account {SERVICE_DN} may not write pkAppliedCharge, pkBalance on uid=alice,{PEOPLE}: " \
           "see the ACL (pkdoctor checks it)" in rig.log(job.id)
