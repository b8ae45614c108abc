"""The shipped ACL on a stock Debian slapd (tests/conftest.py's `slapd`: Debian's own cn=config,
whose last rule is `to * by * read`, then the schema, indexes and ACL as the install guide loads
them): the service account writes; a user bound as themselves reads their own quota data and
changes none of it; anonymous binds and other users read no pk data at all."""
import dataclasses
from datetime import datetime, timezone

import pytest

from pykota_ldap.config import Config
from pykota_ldap.directory import AccessDenied, Directory, DirectoryError, accounts, history, printers, quotas
from pykota_ldap.model import Charge, Job
from pykota_ldap.testing.slapd import ADMIN_DN, ADMIN_PW, SERVICE_DN, SERVICE_PW

BASE = "dc=example,dc=org"
PEOPLE = f"ou=People,{BASE}"
PYKOTA = f"ou=PyKota,{BASE}"
PK_PEOPLE_ATTRS = ["pkLimitBy", "pkBalance", "pkLifeTimePaid", "pkOverCharge", "pkAppliedCharge"]


def bind(site, dn=None, password=None):
    """A connection with the site's layout, bound as dn (anonymous without)."""
    settings = dataclasses.replace(Config().ldap(admin=True), bind_dn=dn, bind_password=password,
                                   is_admin=dn == SERVICE_DN)
    return Directory(settings).connect()


def as_user(site, name):
    return bind(site, f"uid={name},{PEOPLE}", f"{name}pw")


def printed(d, user, printer, pages, job_id):
    when = datetime.now(timezone.utc)
    job = Job(job_id=job_id, user=user, printer=printer, date=when, action="ALLOW", size=pages, price=pages * 100,
              title=f"{user}'s secret.pdf", hostname="10.0.0.9", copies=1, billing_code="physics")
    history.charge_job(d, Charge(history.new_name(printer, when), job,
                                 quota_dns=(quotas.user_quota_dn(d, user, printer),), pages=pages,
                                 user_dn=accounts.get_user(d, user).dn, debit=pages * 100,
                                 billing_code_dn=history.billing_code_dn(d, "physics")))


@pytest.fixture
def site(slapd, pykota_home):
    """alice and bob, each with a balance, a quota entry, a printed job and a payment (written as
    the rootdn, which no ACL restricts: the rules under test only decide who reads them)."""
    directory = bind(slapd, ADMIN_DN, ADMIN_PW)
    printers.add_printer(directory, "hp4", price_per_page=100)
    history.add_billing_code(directory, "physics", "Physics lab")
    for number, name in enumerate(("alice", "bob"), 1):
        accounts.attach_user(directory, name, limit_by="balance", balance=5000 * number)
        quotas.add_user_quota(directory, name, "hp4", soft=10)
        printed(directory, name, "hp4", number, str(number))
        history.add_payment(directory, name, 1000 * number, f"paid by {name}")
    return slapd


def pk_values(d, base, filter_text="(objectClass=*)"):
    """Every value of a pk attribute this connection can read under base."""
    found = d.search(base, filter_text, ["*"])
    return {(dn, attr) for dn, entry in found for attr in entry if attr.startswith("pk")}


def test_anonymous_reads_no_pk_data(site):
    anonymous = bind(site)
    assert pk_values(anonymous, PEOPLE) == set()
    assert anonymous.search(PEOPLE, "(pkBalance>=0)", ["uid"]) == []          # not even through a filter
    with pytest.raises(DirectoryError):                                        # ou=PyKota is not disclosed
        anonymous.search(PYKOTA, "(objectClass=*)", ["*"])


def test_a_user_reads_their_own_data_and_nothing_of_anyone_else(site):
    alice = as_user(site, "alice")
    mine = alice.read(f"uid=alice,{PEOPLE}", PK_PEOPLE_ATTRS)
    assert mine["pkbalance"] == ["4900"] and mine["pklimitby"] == ["balance"]
    assert pk_values(alice, f"uid=bob,{PEOPLE}") == set()
    assert alice.search(PEOPLE, "(&(uid=bob)(pkBalance>=0))", ["uid"]) == []
    readable = {dn.split(",", 1)[1] for dn, _ in pk_values(alice, PYKOTA)}
    own = alice.search(PYKOTA, "(|(objectClass=pkUserQuota)(objectClass=pkJob)(objectClass=pkPayment))",
                       ["pkUserName"])
    assert {entry["pkusername"][0] for _, entry in own} == {"alice"} and len(own) == 3
    assert readable == {f"ou=UserQuotas,{PYKOTA}", f"ou=Jobs,{PYKOTA}", f"ou=Payments,{PYKOTA}",
                        f"ou=Printers,{PYKOTA}", f"ou=BillingCodes,{PYKOTA}"}
    assert "bob" not in str(alice.search(PYKOTA, "(objectClass=*)", ["*"]))


def test_a_user_sees_printers_and_billing_codes_but_no_marks_nor_printer_counters(site):
    bob = as_user(site, "bob")
    [(_, printer)] = bob.search(f"ou=Printers,{PYKOTA}", "(cn=hp4)", ["*"])
    assert printer["pkpriceperpage"] == ["100"] and "pkprinterpagecounter" not in printer
    [(_, code)] = bob.search(f"ou=BillingCodes,{PYKOTA}", "(cn=physics)", ["*"])
    assert code["description"] == ["Physics lab"] and "pkappliedcharge" not in code
    assert bob.search(PYKOTA, "(pkAppliedCharge=*)", ["cn"]) == []


def test_a_user_changes_nothing(site):
    alice = as_user(site, "alice")
    with pytest.raises(AccessDenied):
        alice.increment(f"uid=alice,{PEOPLE}", {"pkBalance": 1000})
    with pytest.raises(AccessDenied):
        alice.increment(quotas.user_quota_dn(alice, "alice", "hp4"), {"pkPageCounter": -1})
    with pytest.raises(AccessDenied):
        history.add_payment(alice, "alice", 100000, "free money")


def test_the_service_account_writes_and_the_old_reader_account_is_gone(site):
    service = bind(site, SERVICE_DN, SERVICE_PW)
    assert service.increment(f"uid=bob,{PEOPLE}", {"pkBalance": -500})["pkBalance"] == 9300
    with pytest.raises(AccessDenied):
        bind(site, f"cn=pykota-reader,{PYKOTA}", "pykota-reader")
