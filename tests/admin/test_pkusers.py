"""pkusers on the organisation's own entries: attach, memberships, balance, removal."""
from __future__ import annotations

import pytest

from pykota_ldap.directory import accounts
from pykota_ldap.schema_files import schema_path

from .test_seed import attrs

PEOPLE = "ou=People,dc=example,dc=org"
GROUPS = "ou=Groups,dc=example,dc=org"
PAYMENTS = "ou=Payments,ou=PyKota,dc=example,dc=org"


def user(sh, name):
    return attrs(sh, PEOPLE, f"(uid={name})", "*")[f"uid={name},{PEOPLE}"]


def test_add_attaches_to_the_existing_entry_and_keeps_it_on_delete(sh):
    sh("pkusers -a -D 'Jérôme' -l balance -o 1.5 -e jm@example.net jerome")
    entry = user(sh, "jerome")
    assert "pkAccount" in entry["objectClass"] and "posixAccount" in entry["objectClass"]
    assert entry["pkLimitBy"] == ["balance"] and entry["pkOverCharge"] == ["1500"]
    assert entry["mail"] == ["jm@example.net"] and entry["pkBalance"] == ["0"]
    assert "dn: uid=jerome" in sh.search(PEOPLE, "(objectClass=pkAccount)", "dn")
    sh("pkprinters -a hp4")
    sh("edpykota -a jerome")
    sh("pkusers -d jerome")
    entry = user(sh, "jerome")
    assert "pkAccount" not in entry["objectClass"] and "pkLimitBy" not in entry and "pkBalance" not in entry
    assert entry["uidNumber"] == ["10001"]                       # the account itself is untouched
    assert sh.search("ou=UserQuotas,ou=PyKota,dc=example,dc=org", "(pkUserName=jerome)", "dn") == ""


def test_add_existing_modifies_unless_skipexisting(sh):
    sh("pkusers -a -l quota jerome")
    sh("pkusers -a -s -l noquota jerome")
    assert user(sh, "jerome")["pkLimitBy"] == ["quota"]
    sh("pkusers -a -l noquota jerome")
    assert user(sh, "jerome")["pkLimitBy"] == ["noquota"]


def test_ingroups_adds_and_removes_memberuid_on_the_group_entry(sh):
    sh("pkusers -a -i eleves,devs jerome")
    groups = attrs(sh, GROUPS, "(memberUid=jerome)", "cn")
    assert {v["cn"][0] for v in groups.values()} == {"admins", "eleves", "devs"}
    sh("pkusers -r -i eleves jerome")
    groups = attrs(sh, GROUPS, "(memberUid=jerome)", "cn")
    assert {v["cn"][0] for v in groups.values()} == {"admins", "devs"}


def test_ingroups_writes_member_dns_when_configured(slapd, tmp_path, monkeypatch):
    slapd.ldapadd("dn: cn=lab,ou=Groups,dc=example,dc=org\nobjectClass: groupOfNames\ncn: lab\n"
                  "member: uid=alice,ou=People,dc=example,dc=org\n")
    home = slapd.write_config(tmp_path / "etc", extra_global="groupmembers: member")
    monkeypatch.setenv("PYKOTA_HOME", str(home))
    from .conftest import Shell
    sh = Shell(slapd)
    sh("pkusers -a -g lab")
    sh("pkusers -a -i lab bob")
    out = sh.search(GROUPS, "(cn=lab)", "member")
    assert "member: uid=bob,ou=People,dc=example,dc=org" in out and "uid=alice" in out
    listing = sh("pkusers -L -g lab").stdout
    assert listing.startswith("lab")
    sh("pkusers -r -i lab bob")
    assert "uid=bob" not in sh.search(GROUPS, "(cn=lab)", "member")


def test_balance_absolute_and_relative_with_payments(sh):
    sh("pkusers -a -l balance quidam")
    sh("pkusers -b 199.9 quidam")
    sh("pkusers -b +10.05 -C 'cash at the desk' quidam")
    sh("pkusers -b -0.95 quidam")
    sh("pkusers -b 50 quidam")
    entry = user(sh, "quidam")
    assert entry["pkBalance"] == ["50000"]
    assert entry["pkLifeTimePaid"] == ["50000"]           # 199.9 + 10.05 - 0.95 - 159 = 50
    amounts = sorted(int(v["pkAmount"][0]) for v in attrs(sh, PAYMENTS, "(pkUserName=quidam)", "pkAmount").values())
    assert amounts == sorted([199900, 10050, -950, -159000])
    assert "description: cash at the desk" in sh.search(PAYMENTS, "(pkAmount=10050)", "description")
    out = sh("pkusers -L quidam").stdout
    assert "Account balance : 50.00" in out and "Total paid so far : 50.00" in out


def test_absolute_balance_keeps_a_concurrent_charge(sh, config, admin_directory, monkeypatch):
    """A job charged between pkusers' read and its write is not lost: the assertion fails, it retries."""
    sh("pkusers -a -b 10 quidam")
    d = admin_directory
    quidam = accounts.get_user(d, "quidam")
    real_read, charged = d.read, []

    def read_then_a_job_is_charged(dn, attributes=None):
        value = real_read(dn, attributes)
        if not charged:                  # a real concurrent charge, on another connection
            from pykota_ldap.directory import Directory
            with Directory(config.ldap(admin=True)) as other:
                accounts.change_balance(other, quidam, -3000, paid=False)
            charged.append(True)
        return value

    monkeypatch.setattr(d, "read", read_then_a_job_is_charged)
    applied = accounts.set_balance(d, quidam, 20000)
    assert applied == 13000                                   # 20 - (10 - 3): the charge is kept
    assert user(sh, "quidam")["pkBalance"] == ["20000"]


def test_email_at_domain_applies_to_each_user(sh):
    sh("pkusers -a toto bob")
    sh("pkusers -e @example.net")
    assert user(sh, "toto")["mail"] == ["toto@example.net"] and user(sh, "bob")["mail"] == ["bob@example.net"]


def test_add_with_name_slash_email(sh):
    sh("pkusers -a toto/t.oto@example.com")
    assert user(sh, "toto")["mail"] == ["t.oto@example.com"]


def test_newuser_below_creates_the_entry(slapd, tmp_path, monkeypatch):
    slapd.ldapmodify(schema_path("pykota-ldap-acl-below.ldif"), config=True)      # as the ACL's guide says
    home = slapd.write_config(tmp_path / "etc", extra_global="newuser: below\nnewgroup: below")
    monkeypatch.setenv("PYKOTA_HOME", str(home))
    from .conftest import Shell
    sh = Shell(slapd)
    sh("pkusers -a newcomer")
    assert "pkAccount" in user(sh, "newcomer")["objectClass"]
    sh("pkusers -a -g newgroup")
    assert "objectClass: pkGroup" in sh.search(GROUPS, "(cn=newgroup)", "objectClass")
    sh("pkusers -d newcomer")
    assert sh.search(PEOPLE, "(uid=newcomer)", "dn") == ""      # ours: removed entirely


def test_list_groups_sums_the_members(sh):
    sh("pkusers -a -g eleves")
    sh("pkusers -a -b 5 toto alice")
    out = sh("pkusers -L -g eleves").stdout.splitlines()
    assert out[0] == "eleves -" and "Group balance : 10.00" in out[2] and "Total paid so far : 10.00" in out[3]


def test_group_delete_keeps_the_group_entry(sh):
    sh("pkusers -a -g eleves")
    sh("pkprinters -a hp4")
    sh("edpykota -a -g eleves")
    sh("pkusers -d -g eleves")
    out = sh.search(GROUPS, "(cn=eleves)", "objectClass", "memberUid")
    assert "pkGroup" not in out and "posixGroup" in out and "memberUid: toto" in out
    assert sh.search("ou=GroupQuotas,ou=PyKota,dc=example,dc=org", "(pkGroupName=eleves)", "dn") == ""


def test_argument_file(sh, tmp_path):
    args = tmp_path / "args"
    args.write_text('# users to manage\n-D\n"from a file"\njerome\n\ntoto\n')
    sh(f"pkusers -a -A {args}")
    assert user(sh, "toto")["description"] == ["from a file"]
    assert "pkAccount" in user(sh, "jerome")["objectClass"]


@pytest.mark.parametrize("name", ["*)(uid=*", "jer*)(", "x\\2a"])
def test_filter_metacharacters_match_nothing_more(sh, name):
    sh("pkusers -a jerome toto")
    result = sh(f"pkusers -L '{name}'", ok=False)
    assert result.exit_code == 1 and result.stdout == ""


def test_delete_a_balance_user_who_has_printed(sh, admin_directory):
    """The user entry holds the marks of the charges applied to it (pkAppliedCharge, allowed by
    pkAccount): they go with pkAccount, in the same modify, after the quota entries."""
    from datetime import datetime, timezone

    from .conftest import charge
    sh("pkprinters -a -p 0.10 hp4")
    sh("pkusers -a -l balance -b 10 jerome")
    sh("edpykota -a jerome -P hp4")
    charge(admin_directory, "jerome", "hp4", 3, datetime.now(timezone.utc), price=300)
    assert "pkAppliedCharge" in user(sh, "jerome")
    sh("pkusers -d jerome")
    entry = user(sh, "jerome")
    assert "pkAccount" not in entry["objectClass"]
    assert not {"pkAppliedCharge", "pkBalance", "pkLimitBy"} & set(entry)
    assert sh.search("ou=UserQuotas,ou=PyKota,dc=example,dc=org", "(pkUserName=jerome)", "dn") == ""


def _acl(sh, rule):
    sh.slapd.ldapmodify("dn: olcDatabase={1}mdb,cn=config\nchangetype: modify\nadd: olcAccess\n"
                        f"olcAccess: {{1}}{rule}\n", config=True)


def _acl_removed(sh):
    sh.slapd.ldapmodify("dn: olcDatabase={1}mdb,cn=config\nchangetype: modify\ndelete: olcAccess\n"
                        "olcAccess: {1}\n", config=True)


def test_a_payment_that_cannot_be_recorded_leaves_the_balance_as_it_was(sh):
    from pykota_ldap.testing.slapd import SERVICE_DN
    sh("pkusers -a -l balance -b 10 jerome")
    _acl(sh, f'to dn.subtree="{PAYMENTS}" by dn.exact="{SERVICE_DN}" read by * read')
    result = sh("pkusers -b +5 -C 'at the desk' jerome", ok=False)
    assert result.exit_code == 1
    assert "could not be recorded" in result.output and "the balance is as it was" in result.output, result.output
    assert user(sh, "jerome")["pkBalance"] == ["10000"]


def test_an_interrupted_delete_says_what_it_did_and_the_same_command_finishes_it(sh):
    from pykota_ldap.testing.slapd import SERVICE_DN
    sh("pkprinters -a hp4")
    sh("pkusers -a jerome")
    sh("edpykota -a jerome -P hp4")
    _acl(sh, f'to dn.exact="uid=jerome,{PEOPLE}" attrs=objectClass by dn.exact="{SERVICE_DN}" read by * read')
    result = sh("pkusers -d jerome", ok=False)
    assert result.exit_code == 1
    assert "1 quota entries deleted, then removing pkAccount" in result.output, result.output
    assert "the same command finishes the change" in result.output
    _acl_removed(sh)
    sh("pkusers -d jerome")
    assert "pkAccount" not in user(sh, "jerome")["objectClass"]
